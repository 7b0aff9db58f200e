from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts.selectors import account_get_editable
from kam.analysis import forecast_card, selectors, services
from kam.analysis.forms import AccountRatingForm, AnalysisSettingsForm
from kam.analysis.models import ProposalState, RunTrigger
from kam.analysis.tasks import run_analysis
from kam.core import permissions
from kam.core.http import AuthenticatedRequest


def _require_manager(request: AuthenticatedRequest) -> None:
    if not permissions.can_edit_analysis_settings(request.user):
        raise PermissionDenied


@login_required
def analysis_settings(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    current = selectors.analysis_settings_get()
    form = AnalysisSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.analysis_settings_update(data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Settings saved. They apply from the next run."))
            return redirect("analysis:settings")
    context = {"form": form, "latest_run": selectors.latest_run()}
    return render(request, "analysis/settings.html", context)


@login_required
@require_POST
def run_now(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    run_analysis.enqueue(trigger=RunTrigger.MANUAL, user_id=request.user.pk)
    messages.success(request, _("The analysis has been started; results follow in a moment."))
    return redirect("analysis:settings")


@login_required
def proposal_list(request: AuthenticatedRequest) -> HttpResponse:
    state = request.GET.get("state", ProposalState.OPEN)
    q = request.GET.get("q", "").strip()[:100]
    proposals = selectors.proposals_visible_to(request.user, state=state, q=q)
    page = Paginator(proposals, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "q": q,
        "states": ProposalState.choices,
        "latest_run": selectors.latest_run(),
        "can_manage": permissions.can_edit_analysis_settings(request.user),
        "editable_ids": selectors.editable_account_ids(request.user, page.object_list),
    }
    return render(request, "analysis/proposal_list.html", context)


def _back(request: AuthenticatedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("analysis:proposals")


def _decide(request: AuthenticatedRequest, pk: int, decide, done: str) -> HttpResponse:
    proposal = selectors.proposal_get_visible(user=request.user, pk=pk)
    if not permissions.can_confirm_status_proposals(request.user, proposal.account):
        raise PermissionDenied
    try:
        decide(proposal=proposal, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"account": proposal.account.name})
    return _back(request)


@login_required
@require_POST
def proposal_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, services.status_proposal_confirm, _("Status of %(account)s changed.")
    )


@login_required
@require_POST
def proposal_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, services.status_proposal_decline, _("Proposal for %(account)s declined.")
    )


@login_required
def rating_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get_editable(user=request.user, pk=pk)
    form = AccountRatingForm(request.POST or None, instance=selectors.account_rating_get(account))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_rating_save(
                account=account, user=request.user, data=form.rating_data()
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Ratings saved. They count from the next analysis."))
            return redirect(reverse("accounts:detail", kwargs={"pk": pk}) + "#analysis")
    title = _("Rate the account")
    return render(
        request, "accounts/simple_form.html", {"form": form, "account": account, "title": title}
    )


@login_required
def forecast_quality(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    """The model card "Wie gut ist die Prognose?" of the latest run (or run `pk`)."""
    if not permissions.can_view_forecast_quality(request.user):
        raise PermissionDenied
    run = forecast_card.run_for_card(pk)
    card = forecast_card.forecast_card(user=request.user, run=run)
    context = {"card": card, "sees_all": permissions.can_see_company_portfolio(request.user)}
    return render(request, "analysis/forecast_quality.html", context)
