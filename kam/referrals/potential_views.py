"""Pages of potential, the whitespace grid of a group, and the competitors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_get
from kam.core import permissions
from kam.core.http import AuthenticatedRequest
from kam.referrals import potential, services
from kam.referrals.forms import CompetitorForm, WhitespaceCellForm
from kam.referrals.models import Competitor, WhitespaceCell


@login_required
def whitespace(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    grid = potential.whitespace_grid(request.user, account, as_of=timezone.localdate())
    context = {
        "account": account,
        "grid": grid,
        "can_edit": permissions.can_manage_referrals(request.user, account),
    }
    return render(request, "referrals/whitespace.html", context)


@login_required
def whitespace_cell(request: AuthenticatedRequest, pk: int, group_pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    if not permissions.can_manage_referrals(request.user, account):
        raise PermissionDenied
    group = get_object_or_404(potential.group_model(), pk=group_pk, parent=None)
    known = WhitespaceCell.objects.filter(account=account, product_group=group).first()
    form = WhitespaceCellForm(
        request.POST or None,
        instance=known or WhitespaceCell(account=account, product_group=group),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.whitespace_cell_save(cell=form.instance, user=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect("referrals:whitespace", pk=pk)
    context = {"account": account, "group": group, "form": form}
    return render(request, "referrals/whitespace_cell.html", context)


@login_required
def competitor_list(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "overview": potential.competitor_overview(request.user, as_of=timezone.localdate()),
        "can_manage": permissions.can_manage_competitors(request.user),
    }
    return render(request, "referrals/competitor_list.html", context)


@login_required
def competitor_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    if not permissions.can_manage_competitors(request.user):
        raise PermissionDenied
    competitor = get_object_or_404(Competitor, pk=pk) if pk else None
    form = CompetitorForm(request.POST or None, instance=competitor)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Competitor saved."))
        return redirect("referrals:competitors")
    return render(request, "referrals/competitor_form.html", {"form": form})
