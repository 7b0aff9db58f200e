"""Writes of offers: numbering without gaps, lines with prices proposed from the resolved
conditions, the offer check stored on every save, and the workflow draft -> in approval ->
approved -> sent -> won / lost / expired. A won offer can become an agreement draft."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.conditions import authority, offer_mail, services
from kam.conditions.check import Finding, check_offer, requirement_of_offer
from kam.conditions.models import (
    Agreement,
    LineKind,
    Offer,
    OfferEvent,
    OfferFinding,
    OfferLine,
    OfferStatus,
    Product,
    Severity,
)
from kam.conditions.resolution import explain, resolve_price
from kam.core import numbering
from kam.users.models import User

EDITABLE = (OfferStatus.DRAFT, OfferStatus.IN_APPROVAL, OfferStatus.APPROVED)
OFFER_NUMBERS = "offer"


def _next_number(year: int) -> str:
    """The next number of the year, without gaps (kam.core.numbering)."""
    return f"ANG-{year}-{numbering.next_number(OFFER_NUMBERS, year=year):05d}"


def _event(offer: Offer, *, user, from_status: str, to_status: str, comment: str = "") -> None:
    OfferEvent.objects.create(
        offer=offer,
        at=timezone.now(),
        user=user,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )


def _check_stakeholder(offer: Offer) -> None:
    if offer.stakeholder is not None and offer.stakeholder.account_id != offer.account_id:
        raise ValidationError({"stakeholder": _("Only contacts of the same account.")})


@transaction.atomic
def offer_create(*, account: Account, user: User | None, **fields: Any) -> Offer:
    offer = Offer(account=account, created_by=user, **fields)
    if offer.valid_until and offer.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("An offer cannot be valid only in the past.")})
    offer.number = "ANG-pending"
    offer.full_clean(exclude=["number"])
    _check_stakeholder(offer)
    offer.number = _next_number(timezone.localdate().year)
    offer.save()
    _event(offer, user=user, from_status="", to_status=offer.status)
    return offer


def _lock(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().select_related("account").get(pk=offer.pk)


def _editable(offer: Offer) -> None:
    if offer.status not in EDITABLE:
        raise ValidationError(_("A sent or closed offer can no longer be changed."))


@transaction.atomic
def offer_update(*, offer: Offer, user: User | None, data: dict[str, Any]) -> Offer:
    offer = _lock(offer)
    _editable(offer)
    for name in ("title", "valid_until", "stakeholder"):
        if name in data:
            setattr(offer, name, data[name])
    offer.full_clean()
    _check_stakeholder(offer)
    offer.save()
    _changed(offer, user=user)
    return offer


def proposed_price(*, account: Account, product: Product, quantity: Decimal) -> tuple[Decimal, str]:
    """The resolved price and the sentence saying where it comes from."""
    resolution = resolve_price(
        account=account, product=product, quantity=quantity, as_of=timezone.localdate()
    )
    return resolution.price, explain(resolution)[0][:300]


@transaction.atomic
def offer_line_save(
    *,
    offer: Offer,
    user: User | None,
    product: Product,
    quantity: Decimal,
    price: Decimal | None = None,
    line: OfferLine | None = None,
) -> OfferLine:
    """Adds or changes a line; without a price the resolved conditions propose it."""
    offer = _lock(offer)
    _editable(offer)
    if line is None:
        last = offer.lines.order_by("-position").values_list("position", flat=True).first()
        line = OfferLine(offer=offer, position=(last or 0) + 1)
    line.product, line.quantity = product, quantity
    line.list_price, line.cost = product.list_price, product.standard_cost
    if price is None:
        line.price, line.price_source = proposed_price(
            account=offer.account, product=product, quantity=quantity
        )
    else:
        line.price, line.price_source = price, _("Price entered by hand.")
    if line.price is not None and line.price < 0:
        raise ValidationError({"price": _("A price must not be negative.")})
    line.full_clean()
    line.save()
    _changed(offer, user=user)
    return line


@transaction.atomic
def offer_line_delete(*, line: OfferLine, user: User | None) -> None:
    offer = _lock(line.offer)
    _editable(offer)
    line.delete()
    _changed(offer, user=user)


def _changed(offer: Offer, *, user: User | None) -> None:
    """Every save checks the offer again; a change after approval voids the approval."""
    if offer.status in (OfferStatus.IN_APPROVAL, OfferStatus.APPROVED):
        _move(offer, user=user, to_status=OfferStatus.DRAFT, comment=_("Changed: check again."))
    store_findings(offer, user=user)


def store_findings(offer: Offer, *, user: User | None) -> list[Finding]:
    """Checks the offer and replaces its stored findings in one transaction (no savepoint when
    the caller has one: the check's query count stays fixed)."""
    findings = check_offer(offer, user=user)
    with transaction.atomic(savepoint=False):
        _replace_findings(offer, findings)
    return findings


def _replace_findings(offer: Offer, findings: list[Finding]) -> None:
    """Plain rows (a hundred findings as model instances cost more than the check's reading)."""
    table = OfferFinding._meta.db_table
    offer.findings.all().delete()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (offer_id, code, position, message, severity) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [(offer.pk, f.code, f.position, f.message, str(f.severity)) for f in findings],
        )
    Offer.objects.filter(pk=offer.pk).update(checked_at=timezone.now())


def _move(offer: Offer, *, user, to_status: str, comment: str = "") -> None:
    from_status = offer.status
    offer.status = to_status
    offer.save()
    _event(offer, user=user, from_status=from_status, to_status=to_status, comment=comment)


def offer_url(offer: Offer) -> str:
    return reverse("conditions:offer_detail", kwargs={"pk": offer.pk})


def _route(offer: Offer, findings: list[Finding], *, user: User) -> Offer:
    requester = offer.created_by or user
    approver = authority.approver_for(
        requester=requester,
        requirement=requirement_of_offer(offer, findings),
        abc_class=authority.account_abc_class(offer.account),
    )
    offer.approver = approver
    _move(offer, user=user, to_status=OfferStatus.IN_APPROVAL)
    if approver is not None:
        authority.notify_approver(
            approver=approver,
            kind="conditions.offer_approval",
            title=_("Offer %(number)s (%(account)s) waits for your approval")
            % {"number": offer.number, "account": offer.account.name},
            url=offer_url(offer),
            key=f"offer-{offer.pk}",
        )
    return offer


def _blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == Severity.BLOCKS]


@transaction.atomic
def offer_send(*, offer: Offer, user: User) -> Offer:
    """Checks again; blocking findings refuse, approval findings route to approval first."""
    offer = _lock(offer)
    if offer.status not in (OfferStatus.DRAFT, OfferStatus.APPROVED):
        raise ValidationError(_("Only a draft or an approved offer can be sent."))
    if not offer.lines.exists():
        raise ValidationError(_("An offer without lines cannot be sent."))
    findings = store_findings(offer, user=user)
    if blocking := _blocking(findings):
        raise ValidationError(
            [_("The offer cannot be sent:")] + [f"Pos. {f.position}: {f.message}" for f in blocking]
        )
    needs_approval = any(f.severity == Severity.APPROVAL for f in findings)
    if needs_approval and offer.status != OfferStatus.APPROVED:
        return _route(offer, findings, user=user)
    offer.sent_at = timezone.now()
    _move(offer, user=user, to_status=OfferStatus.SENT, comment=_mail_on_commit(offer, user=user))
    return offer


def _mail_on_commit(offer: Offer, *, user: User) -> str:
    """Mails the offer with its PDF to the contact person once the sending is committed; the
    comment for the log says to whom."""
    address = offer_mail.mail_address(offer)
    if not address:
        return ""
    offer_id, sender_id = offer.pk, user.pk
    transaction.on_commit(
        lambda: offer_mail.offer_mail_send(offer_id=offer_id, sender_id=sender_id)
    )
    return _("Mailed with the PDF to %(address)s.") % {"address": address}


def can_decide(offer: Offer, user: User) -> bool:
    if offer.status != OfferStatus.IN_APPROVAL:
        return False
    if offer.approver_id == user.pk:
        return True
    findings = [Finding(f.code, f.position, f.message) for f in offer.findings.all()]
    return authority.may_approve(
        user,
        requirement=requirement_of_offer(offer, findings),
        abc_class=authority.account_abc_class(offer.account),
    )


@transaction.atomic
def offer_approve(*, offer: Offer, user: User, comment: str = "") -> Offer:
    offer = _lock(offer)
    if not can_decide(offer, user):
        raise PermissionDenied
    _move(offer, user=user, to_status=OfferStatus.APPROVED, comment=comment)
    authority.audit(user=user, action="offer_approved", subject=offer.number, id=offer.pk)
    return offer


@transaction.atomic
def offer_reject(*, offer: Offer, user: User, comment: str) -> Offer:
    offer = _lock(offer)
    if not comment.strip():
        raise ValidationError({"comment": _("Please say why the offer is rejected.")})
    if not can_decide(offer, user):
        raise PermissionDenied
    _move(offer, user=user, to_status=OfferStatus.DRAFT, comment=comment)
    authority.audit(user=user, action="offer_rejected", subject=offer.number, why=comment)
    return offer


@transaction.atomic
def offer_close(
    *, offer: Offer, user: User, won: bool, reason: str = "", competitor: str = ""
) -> Offer:
    offer = _lock(offer)
    if offer.status != OfferStatus.SENT:
        raise ValidationError(_("Only a sent offer can be won or lost."))
    if not won and not reason.strip():
        raise ValidationError({"lost_reason": _("Please give the reason the offer was lost.")})
    offer.lost_reason, offer.competitor = reason.strip()[:200], competitor.strip()[:200]
    _move(offer, user=user, to_status=OfferStatus.WON if won else OfferStatus.LOST, comment=reason)
    return offer


def offers_expire(*, today: datetime.date) -> int:
    """The nightly step: open offers past their validity expire."""
    expired = 0
    for offer in Offer.objects.filter(
        status__in=(OfferStatus.DRAFT, OfferStatus.SENT, OfferStatus.APPROVED),
        valid_until__lt=today,
    ):
        with transaction.atomic():
            _move(offer, user=None, to_status=OfferStatus.EXPIRED)
        expired += 1
    return expired


@transaction.atomic
def agreement_from_offer(*, offer: Offer, user: User) -> Agreement:
    """A won offer's lines as an agreement draft: a net price per product."""
    offer = _lock(offer)
    if offer.status != OfferStatus.WON:
        raise ValidationError(_("Only a won offer can become an agreement."))
    agreement = services.agreement_create(
        account=offer.account,
        user=user,
        title=_("Agreement from offer %(number)s") % {"number": offer.number},
        valid_from=timezone.localdate(),
    )
    agreement.source_offer = offer
    agreement.save(update_fields=["source_offer"])
    seen: set[int] = set()
    for line in offer.lines.select_related("product"):
        if line.product_id in seen:
            continue
        seen.add(line.product_id)
        services.condition_line_save(
            agreement=agreement,
            data=services.LineInput(
                kind=LineKind.NET_PRICE, product=line.product, net_price=line.price
            ),
            user=user,
        )
    return agreement
