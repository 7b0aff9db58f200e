"""Pages of offers (with the offer check, approval and the PDF) and of the invoiced-price check."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.conditions import invoiced, offers, selectors
from kam.conditions.forms import CommentForm, OfferForm, OfferLineForm
from kam.conditions.models import OfferLine, OfferStatus, PriceDeviation, Severity
from kam.conditions.pdf import offer_pdf
from kam.conditions.views import _editable_accounts, _errors, _page, require
from kam.core import permissions
from kam.core.exports import EUR, INTEGER, Column
from kam.core.exports import response as export_response
from kam.core.http import AuthenticatedRequest, id_param
from kam.core.money import cents_to_decimal


def _offer_filters(request) -> selectors.OfferFilter:
    return selectors.OfferFilter(
        q=request.GET.get("q", "").strip()[:100],
        status=request.GET.get("status", ""),
        account=id_param(request.GET.get("account")),
        sort=request.GET.get("sort", "-created"),
    )


@login_required
def offer_list(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    filters = _offer_filters(request)
    context = {
        "page": _page(request, selectors.offer_list(user=request.user, filters=filters)),
        "filters": filters,
        "statuses": OfferStatus.choices,
        "can_edit": permissions.can_edit_conditions(request.user),
        "waiting": selectors.offers_waiting_for(request.user).select_related("account"),
    }
    return render(request, "conditions/offer_list.html", context)


@login_required
def offer_create(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_edit_conditions(request.user))
    accounts = _editable_accounts(request.user)
    initial = {
        "account": id_param(request.GET.get("account")),
        "valid_until": timezone.localdate() + datetime.timedelta(days=30),
    }
    form = OfferForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            offer = offers.offer_create(account=data.pop("account"), user=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("conditions:offer_detail", pk=offer.pk)
    return render(request, "conditions/offer_form.html", {"form": form})


def _offer_for_edit(request, pk: int):
    offer = selectors.offer_get(user=request.user, pk=pk)
    require(permissions.can_edit_account_conditions(request.user, offer.account))
    return offer


@login_required
def offer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(user=request.user, pk=pk)
    can_edit = permissions.can_edit_account_conditions(request.user, offer.account)
    lines = list(offer.lines.select_related("product"))
    findings = list(offer.findings.all())
    context = {
        "offer": offer,
        "lines": lines,
        "total": sum((line.total for line in lines), start=0),
        "margin_total": sum((line.margin or 0 for line in lines), start=0),
        "findings": findings,
        "blocking": any(f.severity == Severity.BLOCKS for f in findings),
        "show_margins": permissions.can_view_margins(request.user),
        "can_edit": can_edit and offer.status in offers.EDITABLE,
        "can_send": can_edit and offer.status in (OfferStatus.DRAFT, OfferStatus.APPROVED),
        "can_close": can_edit and offer.status == OfferStatus.SENT,
        "can_decide": offers.can_decide(offer, request.user),
        "can_make_agreement": can_edit and offer.status == OfferStatus.WON,
        "line_form": OfferLineForm(),
        "events": offer.events.select_related("user"),
    }
    return render(request, "conditions/offer_detail.html", context)


@login_required
def offer_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _offer_for_edit(request, pk)
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            offers.offer_update(offer=offer, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("conditions:offer_detail", pk=pk)
    return render(request, "conditions/offer_form.html", {"form": form, "offer": offer})


@login_required
@require_POST
def offer_line_save(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _offer_for_edit(request, pk)
    line = None
    if (line_pk := id_param(request.POST.get("line"))) is not None:
        line = get_object_or_404(OfferLine, pk=line_pk, offer=offer)
    form = OfferLineForm(request.POST)
    if form.is_valid():
        try:
            offers.offer_line_save(
                offer=offer,
                user=request.user,
                product=form.cleaned_data["product_number"],
                quantity=form.cleaned_data["quantity"],
                price=form.cleaned_data["price"],
                line=line,
            )
        except ValidationError as error:
            _errors(request, error)
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("conditions:offer_detail", pk=pk)


@login_required
@require_POST
def offer_line_delete(request: AuthenticatedRequest, pk: int, line_pk: int) -> HttpResponse:
    offer = _offer_for_edit(request, pk)
    line = get_object_or_404(OfferLine, pk=line_pk, offer=offer)
    try:
        offers.offer_line_delete(line=line, user=request.user)
    except ValidationError as error:
        _errors(request, error)
    return redirect("conditions:offer_detail", pk=pk)


@login_required
@require_POST
def offer_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(user=request.user, pk=pk)
    require(permissions.can_edit_conditions(request.user))
    form = CommentForm(request.POST)
    if not form.is_valid():
        return redirect("conditions:offer_detail", pk=pk)
    data = form.cleaned_data
    try:
        _act(request, offer, data)
    except ValidationError as error:
        _errors(request, error)
    return redirect("conditions:offer_detail", pk=pk)


def _act(request, offer, data) -> None:
    action, user = data["action"], request.user
    if action in ("send", "won", "lost", "agreement"):
        require(permissions.can_edit_account_conditions(user, offer.account))
    if action == "send":
        offer = offers.offer_send(offer=offer, user=user)
        if offer.status == OfferStatus.IN_APPROVAL:
            messages.info(
                request,
                _("The offer needs approval first: it has been sent to %(approver)s.")
                % {"approver": offer.approver or "—"},
            )
        else:
            messages.success(request, _("The offer has been sent."))
    elif action == "approve":
        offers.offer_approve(offer=offer, user=user, comment=data["comment"])
    elif action == "reject":
        offers.offer_reject(offer=offer, user=user, comment=data["comment"])
    elif action in ("won", "lost"):
        offers.offer_close(
            offer=offer,
            user=user,
            won=action == "won",
            reason=data["reason"],
            competitor=data["competitor"],
        )


@login_required
@require_POST
def offer_to_agreement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _offer_for_edit(request, pk)
    try:
        agreement = offers.agreement_from_offer(offer=offer, user=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect("conditions:offer_detail", pk=pk)
    messages.success(request, _("An agreement draft has been created from the offer."))
    return redirect("conditions:agreement_detail", pk=agreement.pk)


@login_required
def offer_pdf_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(user=request.user, pk=pk)
    response = HttpResponse(offer_pdf(offer), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{offer.number}.pdf"'
    return response


# --- invoiced prices against agreements


def _deviations(request):
    accounts = selectors.condition_accounts(request.user)
    rows = PriceDeviation.objects.filter(account__in=accounts).select_related("account")
    kind = request.GET.get("kind", "")
    if kind == "over":
        rows = rows.filter(overcharged_lines__gt=0)
    elif kind == "under":
        rows = rows.filter(undercharged_lines__gt=0)
    if (account := id_param(request.GET.get("account"))) is not None:
        rows = rows.filter(account_id=account)
    return rows.order_by("-month", "-overcharged_cents", "account__name", "product_number")


@login_required
def price_check(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    rows = _deviations(request)
    context = {
        "page": _page(request, rows),
        "kind": request.GET.get("kind", ""),
        "account": request.GET.get("account", ""),
        "tolerance": invoiced.tolerance_percent(),
        "checked_at": rows.values_list("checked_at", flat=True).first(),
    }
    return render(request, "conditions/price_check.html", context)


def _export_columns() -> list[Column]:
    return [
        Column("Kundennummer", lambda row: row.account.customer_number),
        Column("Kunde", lambda row: row.account.name),
        Column("Artikelnummer", lambda row: row.product_number),
        Column("Monat", lambda row: row.month.strftime("%Y-%m")),
        Column("Zeilen zu teuer", lambda row: row.overcharged_lines, INTEGER),
        Column("Zu viel berechnet (EUR)", lambda row: cents_to_decimal(row.overcharged_cents), EUR),
        Column("Zeilen zu billig", lambda row: row.undercharged_lines, INTEGER),
        Column(
            "Zu wenig berechnet (EUR)", lambda row: cents_to_decimal(row.undercharged_cents), EUR
        ),
    ]


@login_required
def price_check_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = _deviations(request).iterator()
    return export_response(
        _export_columns(), rows, fmt=fmt, title="Konditionsprüfung", filename="konditionspruefung"
    )


@login_required
def price_check_lines(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    account = selectors.account_for_conditions(user=request.user, pk=pk)
    month = None
    if text := request.GET.get("month", ""):
        try:
            month = datetime.date.fromisoformat(text[:10]).replace(day=1)
        except ValueError:
            month = None
    lines = invoiced.deviating_lines(
        account_ids=[account.pk],
        product_number=request.GET.get("product", "")[:60],
        month=month,
    )
    return render(
        request, "conditions/price_check_lines.html", {"account": account, "lines": lines}
    )
