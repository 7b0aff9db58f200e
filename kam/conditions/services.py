"""Writes of agreements: create and change (validated as a whole, nothing saved half), condition
lines with volume tiers, annual bonus tiers, and the status workflow with its log, the approval
routing and the re-approval rule (only a price-relevant change needs approval again)."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.conditions import authority
from kam.conditions.models import (
    Agreement,
    AgreementEvent,
    AgreementStatus,
    BonusTier,
    ConditionLine,
    ConditionTier,
    LineKind,
    Product,
    ProductGroup,
)
from kam.conditions.pricing import discount_percent, margin_percent
from kam.conditions.pricing import net_price as terms_price
from kam.conditions.resolution import line_terms
from kam.users.models import User

AGREEMENT_FIELDS = (
    "title",
    "applies_to_members",
    "valid_from",
    "valid_to",
    "payment_days",
    "cash_discount_percent",
    "cash_discount_days",
    "free_delivery",
    "mfc_scope",
    "notes",
)
#: Header fields whose change needs a new approval (title and notes do not).
PRICE_FIELDS = (
    "account_id",
    "applies_to_members",
    "valid_from",
    "valid_to",
    "payment_days",
    "cash_discount_percent",
    "cash_discount_days",
    "free_delivery",
    "mfc_scope",
)
EDITABLE = (
    AgreementStatus.DRAFT,
    AgreementStatus.REJECTED,
    AgreementStatus.APPROVED,
    AgreementStatus.ACTIVE,
)
HUNDRED = Decimal(100)


def _check_dates(valid_from, valid_to) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(
            {
                "valid_to": _(
                    "The validity ends before it starts: "
                    "“valid to” must not be before “valid from”."
                )
            }
        )


def _check_percent(value: Decimal | None, field: str) -> dict:
    if value is None:
        return {}
    if value < 0:
        return {field: _("A percentage must not be negative.")}
    if value > HUNDRED:
        return {field: _("A discount or percentage over 100 % is not possible.")}
    return {}


@transaction.atomic
def agreement_create(*, account: Account, user: User | None, **fields: Any) -> Agreement:
    agreement = Agreement(account=account, created_by=user, **fields)
    _validate_header(agreement)
    agreement.save()
    _log(agreement, user=user, from_status="", to_status=agreement.status)
    return agreement


def _validate_header(agreement: Agreement) -> None:
    _check_dates(agreement.valid_from, agreement.valid_to)
    errors = _check_percent(agreement.cash_discount_percent, "cash_discount_percent")
    if errors:
        raise ValidationError(errors)
    agreement.full_clean(exclude=["approved_fingerprint"])


@transaction.atomic
def agreement_update(*, agreement: Agreement, user: User | None, data: dict[str, Any]) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("This agreement can no longer be changed."))
    for name, value in data.items():
        if name in AGREEMENT_FIELDS:
            setattr(agreement, name, value)
    _validate_header(agreement)
    agreement.save()
    _after_change(agreement, user=user)
    return agreement


# --- condition lines


@dataclass
class LineInput:
    kind: str
    product: Product | None = None
    product_group: ProductGroup | None = None
    net_price: Decimal | None = None
    percent: Decimal | None = None
    #: (from quantity, net price or None, discount percent or None)
    tiers: list[tuple[Decimal, Decimal | None, Decimal | None]] = field(default_factory=list)


def validate_line(data: LineInput) -> None:
    """Every problem of a condition line at once, in sentences a salesperson understands."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.product is not None and data.product_group is not None:
        add("product_group", _("Choose a product or a product group, not both."))
    if data.kind == LineKind.NET_PRICE:
        if data.net_price is None:
            add("net_price", _("A net price condition needs a net price."))
        if data.product is None:
            add("product", _("A net price applies to one product: choose the product."))
    elif data.percent is None:
        add("percent", _("A discount or surcharge needs a percentage."))
    if data.net_price is not None and data.net_price < 0:
        add("net_price", _("A price must not be negative."))
    for name, message in _check_percent(data.percent, "percent").items():
        add(name, message)
    for message in _tier_errors(data.tiers):
        add("tiers", message)
    if errors:
        raise ValidationError(errors)


def _tier_errors(tiers: list[tuple[Decimal, Decimal | None, Decimal | None]]) -> list[str]:
    messages: list[str] = []
    seen: set[Decimal] = set()
    for quantity, price, percent in tiers:
        if quantity <= 0:
            messages.append(_("A tier starts at a quantity above 0."))
        if quantity in seen:
            messages.append(
                _("Two tiers start at the quantity %(quantity)s: tiers must not overlap.")
                % {"quantity": quantity}
            )
        seen.add(quantity)
        if (price is None) == (percent is None):
            messages.append(_("Each tier has either a net price or a discount."))
        if price is not None and price < 0:
            messages.append(_("A price must not be negative."))
        messages.extend(_check_percent(percent, "tiers").values())
    return messages


@transaction.atomic
def condition_line_save(
    *, agreement: Agreement, data: LineInput, user: User | None, line: ConditionLine | None = None
) -> ConditionLine:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("This agreement can no longer be changed."))
    validate_line(data)
    line = line or ConditionLine(agreement=agreement)
    line.product, line.product_group = data.product, data.product_group
    line.kind, line.net_price, line.percent = data.kind, data.net_price, data.percent
    line.full_clean()
    line.save()
    line.tiers.all().delete()
    ConditionTier.objects.bulk_create(
        ConditionTier(line=line, from_quantity=qty, net_price=price, percent=percent)
        for qty, price, percent in sorted(data.tiers, key=lambda tier: tier[0])
    )
    _after_change(agreement, user=user)
    return line


@transaction.atomic
def condition_line_delete(*, line: ConditionLine, user: User | None) -> None:
    agreement = Agreement.objects.select_for_update().get(pk=line.agreement_id)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("This agreement can no longer be changed."))
    line.delete()
    _after_change(agreement, user=user)


@transaction.atomic
def bonus_tiers_save(
    *, agreement: Agreement, tiers: list[tuple[Decimal, Decimal]], user: User | None
) -> None:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("This agreement can no longer be changed."))
    messages: list[str] = []
    starts = [start for start, _percent in tiers]
    if len(set(starts)) != len(starts):
        messages.append(_("Two bonus tiers start at the same revenue: tiers must not overlap."))
    for start, percent in tiers:
        if start < 0:
            messages.append(_("A revenue threshold must not be negative."))
        messages.extend(_check_percent(percent, "bonus").values())
    if messages:
        raise ValidationError({"bonus_tiers": messages})
    agreement.bonus_tiers.all().delete()
    BonusTier.objects.bulk_create(
        BonusTier(agreement=agreement, from_revenue=start, percent=percent)
        for start, percent in sorted(tiers)
    )
    _after_change(agreement, user=user)


# --- what needs approval


def price_fingerprint(agreement: Agreement) -> str:
    """A digest of every price-relevant value: header terms, lines with tiers, bonus tiers."""
    lines = [
        [
            line.product_id,
            line.product_group_id,
            line.kind,
            str(line.net_price),
            str(line.percent),
            [[str(t.from_quantity), str(t.net_price), str(t.percent)] for t in line.tiers.all()],
        ]
        for line in agreement.lines.order_by("pk").prefetch_related("tiers")
    ]
    bonus = [[str(t.from_revenue), str(t.percent)] for t in agreement.bonus_tiers.all()]
    header = [str(getattr(agreement, name)) for name in PRICE_FIELDS]
    text = json.dumps([header, lines, bonus], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def requirement_of(agreement: Agreement) -> authority.Requirement:
    """The largest discount against list price and the smallest margin the lines grant."""
    discounts: list[Decimal] = []
    margins: list[Decimal] = []
    lines = list(agreement.lines.select_related("product").prefetch_related("tiers"))
    for line in lines:
        line.tier_list = list(line.tiers.all())  # type: ignore[attr-defined]
        product = line.product
        if product is None:
            percents = [line.percent] + [t.percent for t in line.tier_list]  # type: ignore[attr-defined]
            if line.kind != LineKind.SURCHARGE:
                discounts += [p for p in percents if p is not None]
            continue
        quantities = [Decimal(1)] + [t.from_quantity for t in line.tier_list]  # type: ignore[attr-defined]
        for quantity in quantities:
            price = terms_price(line_terms(line), list_price=product.list_price, quantity=quantity)
            discounts.append(discount_percent(price, product.list_price))
            if (margin := margin_percent(price, product.standard_cost)) is not None:
                margins.append(margin)
    return authority.Requirement(
        discount=max(discounts) if discounts else None, margin=min(margins) if margins else None
    )


def _after_change(agreement: Agreement, *, user: User | None) -> None:
    """An approved or active agreement whose price-relevant content changed goes back to draft:
    it needs approval again. Other changes (title, notes) keep its status."""
    if agreement.status not in (AgreementStatus.APPROVED, AgreementStatus.ACTIVE):
        return
    if price_fingerprint(agreement) == agreement.approved_fingerprint:
        return
    _move(
        agreement,
        user=user,
        to_status=AgreementStatus.DRAFT,
        comment=_("Price-relevant change: needs approval again."),
    )


# --- workflow


def _log(agreement: Agreement, *, user, from_status: str, to_status: str, comment: str = ""):
    AgreementEvent.objects.create(
        agreement=agreement,
        at=timezone.now(),
        user=user,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )


def _move(agreement: Agreement, *, user, to_status: str, comment: str = "") -> None:
    from_status = agreement.status
    agreement.status = to_status
    agreement.save(update_fields=["status", "approver", "approved_fingerprint", "updated_at"])
    _log(agreement, user=user, from_status=from_status, to_status=to_status, comment=comment)


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("account").get(pk=agreement.pk)


def _require_content(agreement: Agreement) -> None:
    if not agreement.lines.exists() and not agreement.bonus_tiers.exists():
        has_terms = agreement.payment_days or agreement.free_delivery or agreement.mfc_scope
        if not has_terms:
            raise ValidationError(_("An agreement without any condition cannot be requested."))


@transaction.atomic
def agreement_request(*, agreement: Agreement, user: User, comment: str = "") -> Agreement:
    """Asks for approval; within the requester's own authority it is approved at once,
    otherwise it goes to the first user up the manager chain who may approve it."""
    agreement = _lock(agreement)
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.REJECTED):
        raise ValidationError(_("Only a draft or a rejected agreement can be requested."))
    _require_content(agreement)
    requirement = requirement_of(agreement)
    abc_class = authority.account_abc_class(agreement.account)
    approver = authority.approver_for(requester=user, requirement=requirement, abc_class=abc_class)
    agreement.approver = approver
    _move(agreement, user=user, to_status=AgreementStatus.REQUESTED, comment=comment)
    if approver is not None and approver.pk == user.pk:
        return _approve(agreement, user=user, comment=_("Within the requester's own authority."))
    if approver is not None:
        authority.notify_approver(
            approver=approver,
            kind="conditions.approval",
            title=_("Agreement “%(title)s” (%(account)s) waits for your approval")
            % {"title": agreement.title, "account": agreement.account.name},
            url=authority.agreement_url(agreement),
            key=f"agreement-{agreement.pk}",
        )
    return agreement


def _approve(agreement: Agreement, *, user: User, comment: str) -> Agreement:
    agreement.approved_fingerprint = price_fingerprint(agreement)
    _move(agreement, user=user, to_status=AgreementStatus.APPROVED, comment=comment)
    authority.audit(
        user=user, action="agreement_approved", subject=agreement.title, id=agreement.pk
    )
    activate_if_due(agreement, today=timezone.localdate())
    return agreement


def can_decide(agreement: Agreement, user: User) -> bool:
    """The assigned approver, or anyone whose own authority covers the request."""
    if agreement.status != AgreementStatus.REQUESTED:
        return False
    if agreement.approver_id == user.pk:
        return True
    return authority.may_approve(
        user,
        requirement=requirement_of(agreement),
        abc_class=authority.account_abc_class(agreement.account),
    )


@transaction.atomic
def agreement_approve(*, agreement: Agreement, user: User, comment: str = "") -> Agreement:
    agreement = _lock(agreement)
    if not can_decide(agreement, user):
        raise PermissionDenied
    return _approve(agreement, user=user, comment=comment)


@transaction.atomic
def agreement_reject(*, agreement: Agreement, user: User, comment: str) -> Agreement:
    agreement = _lock(agreement)
    if not comment.strip():
        raise ValidationError({"comment": _("Please say why the agreement is rejected.")})
    if not can_decide(agreement, user):
        raise PermissionDenied
    _move(agreement, user=user, to_status=AgreementStatus.REJECTED, comment=comment)
    authority.audit(user=user, action="agreement_rejected", subject=agreement.title, why=comment)
    return agreement


def activate_if_due(agreement: Agreement, *, today: datetime.date) -> None:
    if agreement.status == AgreementStatus.APPROVED and agreement.valid_from <= today:
        if agreement.valid_to is None or agreement.valid_to >= today:
            _move(agreement, user=None, to_status=AgreementStatus.ACTIVE)
    if agreement.status in (AgreementStatus.APPROVED, AgreementStatus.ACTIVE):
        if agreement.valid_to is not None and agreement.valid_to < today:
            _move(agreement, user=None, to_status=AgreementStatus.EXPIRED)


def agreements_advance(*, today: datetime.date) -> int:
    """The nightly step: approved agreements become active on their start, ended ones expire."""
    moved = 0
    due = Agreement.objects.filter(
        status__in=(AgreementStatus.APPROVED, AgreementStatus.ACTIVE)
    ).select_related("account")
    for agreement in due:
        before = agreement.status
        with transaction.atomic():
            activate_if_due(agreement, today=today)
        moved += agreement.status != before
    return moved
