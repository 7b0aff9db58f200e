"""Reads of conditions and offers. Everything passes `accounts_visible_to(user)`; customer
service sees none of it (kam.core.permissions.can_view_conditions)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.conditions.models import (
    OPEN_OFFER_STATUSES,
    Agreement,
    AgreementStatus,
    Offer,
    OfferStatus,
    Severity,
)
from kam.core import permissions
from kam.users.models import User


def condition_accounts(user: User) -> QuerySet[Account]:
    """The accounts whose conditions the user sees: none for customer service."""
    if not permissions.can_view_conditions(user):
        return Account.objects.none()
    return accounts_visible_to(user)


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    return Agreement.objects.filter(account__in=condition_accounts(user))


def offers_visible_to(user: User) -> QuerySet[Offer]:
    return Offer.objects.filter(account__in=condition_accounts(user))


@dataclass(frozen=True)
class AgreementFilter:
    q: str = ""
    status: str = ""
    account: int | None = None
    sort: str = "-valid_from"


AGREEMENT_SORTS = {
    "-valid_from": ("-valid_from", "-pk"),
    "valid_from": ("valid_from", "pk"),
    "valid_to": ("valid_to", "pk"),
    "-valid_to": ("-valid_to", "-pk"),
    "account": ("account__name", "pk"),
    "-account": ("-account__name", "-pk"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
}


def agreement_list(*, user: User, filters: AgreementFilter) -> QuerySet[Agreement]:
    agreements = agreements_visible_to(user).select_related("account", "approver")
    if filters.q:
        agreements = agreements.filter(
            Q(title__icontains=filters.q) | Q(account__name__icontains=filters.q)
        )
    if filters.status:
        agreements = agreements.filter(status=filters.status)
    if filters.account:
        agreements = agreements.filter(account_id=filters.account)
    return agreements.annotate(line_count=Count("lines")).order_by(
        *AGREEMENT_SORTS.get(filters.sort, AGREEMENT_SORTS["-valid_from"])
    )


def agreement_get(*, user: User, pk: int) -> Agreement:
    """One visible agreement or 404 (another manager's agreement is not found)."""
    return get_object_or_404(
        agreements_visible_to(user).select_related("account", "approver", "created_by"), pk=pk
    )


def agreement_lines(agreement: Agreement):
    return agreement.lines.select_related("product", "product_group").prefetch_related("tiers")


@dataclass(frozen=True)
class OfferFilter:
    q: str = ""
    status: str = ""
    account: int | None = None
    sort: str = "-created"


OFFER_SORTS = {
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "number": ("number",),
    "-number": ("-number",),
    "account": ("account__name", "pk"),
    "-account": ("-account__name", "-pk"),
    "valid_until": ("valid_until", "pk"),
    "-valid_until": ("-valid_until", "-pk"),
}


def offer_list(*, user: User, filters: OfferFilter) -> QuerySet[Offer]:
    offers = offers_visible_to(user).select_related("account", "created_by")
    if filters.q:
        offers = offers.filter(
            Q(number__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(account__name__icontains=filters.q)
        )
    if filters.status == "open":
        offers = offers.filter(status__in=OPEN_OFFER_STATUSES)
    elif filters.status:
        offers = offers.filter(status=filters.status)
    if filters.account:
        offers = offers.filter(account_id=filters.account)
    offers = offers.annotate(
        blocking=Count("findings", filter=Q(findings__severity=Severity.BLOCKS))
    )
    return offers.order_by(*OFFER_SORTS.get(filters.sort, OFFER_SORTS["-created"]))


def offer_get(*, user: User, pk: int) -> Offer:
    return get_object_or_404(
        offers_visible_to(user).select_related("account", "stakeholder", "approver", "created_by"),
        pk=pk,
    )


def account_for_conditions(*, user: User, pk: int | None) -> Account:
    if pk is None:
        raise Http404
    return get_object_or_404(condition_accounts(user), pk=pk)


def account_agreements(account: Account) -> QuerySet[Agreement]:
    return account.agreements.select_related("approver").annotate(line_count=Count("lines"))


def account_offers(account: Account, *, limit: int = 50) -> list[Offer]:
    return list(
        account.offers.annotate(
            blocking=Count("findings", filter=Q(findings__severity=Severity.BLOCKS))
        ).order_by("-created_at")[:limit]
    )


# --- the cockpit's items


def offers_waiting_for(user: User) -> QuerySet[Offer]:
    return offers_visible_to(user).filter(status=OfferStatus.IN_APPROVAL, approver=user)


def agreements_waiting_for(user: User) -> QuerySet[Agreement]:
    return agreements_visible_to(user).filter(status=AgreementStatus.REQUESTED, approver=user)


def offers_blocked(user: User) -> QuerySet[Offer]:
    return (
        offers_visible_to(user)
        .filter(status=OfferStatus.DRAFT, findings__severity=Severity.BLOCKS)
        .distinct()
    )


def agreements_expiring(user: User, *, today: datetime.date, days: int = 60):
    return agreements_visible_to(user).filter(
        status=AgreementStatus.ACTIVE,
        valid_to__gte=today,
        valid_to__lte=today + datetime.timedelta(days=days),
    )
