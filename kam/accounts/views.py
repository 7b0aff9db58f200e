from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts import selectors, services
from kam.accounts.forms import LEGAL_FORMS, AccountForm, StakeholderForm, TeamMembershipForm
from kam.accounts.history import account_history
from kam.core import permissions
from kam.core.http import AuthenticatedRequest
from kam.core.plugins import account_panels, account_tiles


@login_required
def account_autocomplete(request: AuthenticatedRequest) -> HttpResponse:
    """The parent-company picker's options: visible accounts, the customer number as value."""
    from kam.accounts.search import accounts_matching

    query = request.GET.get("q", request.GET.get("parent_number", ""))
    query = query.strip()[:100] if isinstance(query, str) else ""
    found = accounts_matching(request.user, query, limit=15) if query else []
    options = [
        {"value": a.customer_number, "label": f"{a.name} ({a.customer_number})", "detail": a.city}
        for a, _tier in found
    ]
    return render(request, "search/_options.html", {"options": options, "query": query})


@login_required
def account_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    stakeholders = selectors.account_stakeholders(account)
    context = {
        "account": account,
        "ancestors": selectors.account_ancestors(account),
        "members": selectors.account_members(user=request.user, account=account)[:100],
        "team": selectors.account_team(account),
        "stakeholders": stakeholders,
        "org_chart": selectors.stakeholder_org_chart(stakeholders),
        "history": account_history(account),
        "can_edit": permissions.can_edit_account(request.user, account),
        "can_delete": permissions.can_delete_accounts(request.user),
        "panels": account_panels(request, account),
        "tiles": account_tiles(request, account),
    }
    return render(request, "accounts/account_detail.html", context)


def _account_form_page(request, form, account=None) -> HttpResponse:
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": account, "legal_forms": LEGAL_FORMS},
    )


@login_required
def account_create(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_create_accounts(request.user):
        raise PermissionDenied
    form = AccountForm(request.POST or None, user=request.user, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(**form.account_data())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": account.name})
            return redirect("accounts:detail", pk=account.pk)
    return _account_form_page(request, form)


@login_required
def account_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_editable(user=request.user, pk=pk)
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        fresh = selectors.account_get_editable(user=request.user, pk=pk)
        try:
            services.account_update(account=fresh, data=form.account_data())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:detail", pk=pk)
    return _account_form_page(request, form, account)


@login_required
def account_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    if not permissions.can_delete_accounts(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.account_delete(account=account)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:detail", pk=pk)
        messages.success(request, _("Account deleted."))
        return redirect("accounts:list")
    return render(
        request,
        "core/confirm_delete.html",
        {"object": account, "cancel_url": account_url(account)},
    )


def account_url(account) -> str:
    from django.urls import reverse

    return reverse("accounts:detail", kwargs={"pk": account.pk})


@login_required
def team_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_editable(user=request.user, pk=pk)
    form = TeamMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.team_member_set(account=account, **form.cleaned_data)
        messages.success(request, _("Team updated."))
        return redirect(account_url(account) + "#team")
    return render(
        request,
        "accounts/simple_form.html",
        {
            "form": form,
            "account": account,
            "title": _("Add team member"),
        },
    )


@login_required
@require_POST
def team_remove(request: AuthenticatedRequest, pk: int, membership_pk: int) -> HttpResponse:
    account = selectors.account_get_editable(user=request.user, pk=pk)
    membership = get_object_or_404(account.team, pk=membership_pk)
    services.team_member_remove(membership=membership)
    messages.success(request, _("%(user)s removed from the team.") % {"user": membership.user})
    return redirect(account_url(account) + "#team")


@login_required
def stakeholder_edit(
    request: AuthenticatedRequest, pk: int, stakeholder_pk: int | None = None
) -> HttpResponse:
    account = selectors.account_get_editable(user=request.user, pk=pk)
    stakeholder = (
        get_object_or_404(account.stakeholders, pk=stakeholder_pk) if stakeholder_pk else None
    )
    form = StakeholderForm(request.POST or None, instance=stakeholder, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_save(stakeholder=form.instance)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Stakeholder saved."))
            return redirect(account_url(account) + "#stakeholders")
    title = _("Edit stakeholder") if stakeholder else _("Add stakeholder")
    return render(
        request, "accounts/simple_form.html", {"form": form, "account": account, "title": title}
    )


@login_required
def stakeholder_delete(request: AuthenticatedRequest, pk: int, stakeholder_pk: int) -> HttpResponse:
    account = selectors.account_get_editable(user=request.user, pk=pk)
    stakeholder = get_object_or_404(account.stakeholders, pk=stakeholder_pk)
    if request.method == "POST":
        services.stakeholder_delete(stakeholder=stakeholder)
        messages.success(request, _("Stakeholder deleted."))
        return redirect(account_url(account) + "#stakeholders")
    return render(
        request,
        "core/confirm_delete.html",
        {
            "object": stakeholder,
            "cancel_url": account_url(account),
        },
    )
