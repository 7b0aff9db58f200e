"""Pages of referrals and references: thin; selectors read, services write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_get, accounts_visible_to
from kam.core import permissions
from kam.core.http import AuthenticatedRequest
from kam.referrals import selectors, services
from kam.referrals.forms import (
    ReferenceProfileForm,
    ReferenceRequestForm,
    ReferenceSearchForm,
    ReferralForm,
    ReferralStatusForm,
)
from kam.referrals.models import ReferenceRequest, Referral, ReferralStatus


def _managed_account(request: AuthenticatedRequest, pk: int):
    account = account_get(user=request.user, pk=pk)
    if not permissions.can_manage_referrals(request.user, account):
        raise PermissionDenied
    return account


def _referral(request: AuthenticatedRequest, pk: int) -> Referral:
    referral = selectors.referral_for(request.user, pk)
    if referral is None:
        raise Http404
    return referral


@login_required
def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    status, q = request.GET.get("status", ""), request.GET.get("q", "").strip()[:100]
    referrals = selectors.referral_list(request.user, status=status, q=q)
    page = Paginator(referrals, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    visible = _visible_ids(request, page.object_list)
    context = {
        "page": page,
        "rows": [_row(r, visible) for r in page.object_list],
        "status": status,
        "q": q,
        "statuses": ReferralStatus.choices,
        "waiting": [_row(r, None) for r in selectors.referrals_waiting(request.user)[:20]],
        "follow_up_days": selectors.follow_up_days(),
    }
    return render(request, "referrals/referral_list.html", context)


def _visible_ids(request: AuthenticatedRequest, referrals) -> set[int]:
    ids = {r.referring_account_id for r in referrals} | {r.referred_account_id for r in referrals}
    return set(accounts_visible_to(request.user).filter(id__in=ids).values_list("id", flat=True))


def _row(referral: Referral, visible: set[int] | None) -> dict:
    """A referral with the names the viewer may see (None: both sides are visible)."""
    shown = (
        visible
        if visible is not None
        else {referral.referring_account_id, referral.referred_account_id}
    )
    return {
        "referral": referral,
        "referring": selectors.party_name(referral.referring_account, shown),
        "referring_visible": referral.referring_account_id in shown,
        "referred": selectors.party_name(referral.referred_account, shown),
        "referred_visible": referral.referred_account_id in shown,
    }


@login_required
def referral_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = _managed_account(request, pk)
    form = ReferralForm(
        request.POST or None,
        account=account,
        user=request.user,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = _create(request, account, form)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/referral_form.html", {"form": form, "account": account})


def _create(request: AuthenticatedRequest, account, form: ReferralForm) -> Referral:
    data = form.cleaned_data
    with transaction.atomic():
        referred = data["referred_number"]
        if referred is None:
            referred = services.prospect_create(
                name=data["prospect_name"],
                city=data["prospect_city"],
                customer_number=data["prospect_number"],
                owner=request.user,
                contact=form.contact(),
            )
        return services.referral_create(
            user=request.user,
            referring_account=account,
            referring_stakeholder=data["referring_stakeholder"],
            referred_account=referred,
            received_on=data["received_on"],
            channel=data["channel"],
            notes=data["notes"],
            created_prospect=data["referred_number"] is None,
        )


@login_required
def referral_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    can_follow_up = permissions.can_follow_up_referral(request.user, referral)
    form = ReferralStatusForm(request.POST or None, status=referral.status)
    if request.method == "POST":
        if not can_follow_up:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.referral_transition(
                    referral=referral,
                    to_status=form.cleaned_data["to_status"],
                    user=request.user,
                    comment=form.cleaned_data["comment"],
                    customer_number=form.cleaned_data["customer_number"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Status changed."))
                return redirect("referrals:detail", pk=pk)
    context = {
        "row": _row(referral, _visible_ids(request, [referral])),
        "referral": referral,
        "events": referral.events.select_related("user"),
        "form": form,
        "can_follow_up": can_follow_up and form.has_moves,
        "can_delete": permissions.can_manage_referrals(request.user, referral.referring_account),
    }
    return render(request, "referrals/referral_detail.html", context)


@login_required
def referral_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    if not permissions.can_manage_referrals(request.user, referral.referring_account):
        raise PermissionDenied
    if request.method == "POST":
        account_pk = referral.referring_account_id
        services.referral_delete(referral=referral)
        messages.success(request, _("Referral deleted."))
        return redirect("accounts:detail", pk=account_pk)
    return render(
        request,
        "core/confirm_delete.html",
        {"object": referral, "cancel_url": referral_url(referral)},
    )


def referral_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"pk": referral.pk})


@login_required
def referral_network(request: AuthenticatedRequest) -> HttpResponse:
    network = selectors.referral_network(request.user)
    return render(request, "referrals/network.html", {"network": network})


@login_required
def referral_network_data(request: AuthenticatedRequest) -> JsonResponse:
    network = selectors.referral_network(request.user)
    return JsonResponse({key: network[key] for key in ("kind", "nodes", "edges")})


# --- references


@login_required
def reference_search(request: AuthenticatedRequest) -> HttpResponse:
    form = ReferenceSearchForm(request.GET or None)
    results = []
    if form.is_valid():
        results = selectors.reference_search(
            request.user, on=timezone.localdate(), **form.cleaned_data
        )
    elif not request.GET:
        results = selectors.reference_search(request.user, on=timezone.localdate())
    return render(request, "referrals/reference_search.html", {"form": form, "results": results})


@login_required
def reference_profile_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = _managed_account(request, pk)
    profile = selectors.reference_profile(account)
    form = ReferenceProfileForm(request.POST or None, instance=profile, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_profile_save(
                profile=form.instance, stakeholders=list(form.cleaned_data["stakeholders"])
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Reference profile saved."))
            return redirect("accounts:detail", pk=pk)
    return render(request, "referrals/profile_form.html", {"form": form, "account": account})


@login_required
def reference_request_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = _managed_account(request, pk)
    form = ReferenceRequestForm(
        request.POST or None,
        instance=ReferenceRequest(reference=account, requested_by=request.user),
        initial={"requested_on": timezone.localdate()},
    )
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        warnings = selectors.reference_warnings(account, kind=data["kind"], on=data["requested_on"])
        if not warnings or data["confirm"]:
            try:
                services.reference_request_save(request=form.instance)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Reference request recorded."))
                return redirect("accounts:detail", pk=pk)
    context = {"form": form, "account": account, "warnings": warnings}
    return render(request, "referrals/request_form.html", context)
