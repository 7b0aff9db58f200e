"""The start page's conditions items: offers and agreements waiting for my approval, my offers
that blocking findings keep from being sent, agreements expiring in the next 60 days, and
accounts with overcharged invoice lines (the contract is in kam.core.plugins)."""

import datetime

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.conditions import selectors
from kam.conditions.models import PriceDeviation
from kam.core import permissions
from kam.core.money import german_amount
from kam.core.plugins import WORKLIST_LIMIT, WorkItem


def worklist_items(user) -> list[WorkItem]:
    if not permissions.can_view_conditions(user):
        return []
    today = timezone.localdate()
    return [
        *_approvals(user),
        *_blocked(user),
        *_expiring(user, today),
        *_overcharged(user),
    ]


def _approvals(user) -> list[WorkItem]:
    items = [
        WorkItem(
            kind="offer_approval",
            title=_("Approve offer %(number)s") % {"number": offer.number},
            url=reverse("conditions:offer_detail", kwargs={"pk": offer.pk}),
            due=offer.valid_until,
            severity="warning",
            account_name=offer.account.name,
        )
        for offer in selectors.offers_waiting_for(user).select_related("account")[:WORKLIST_LIMIT]
    ]
    items += [
        WorkItem(
            kind="agreement_approval",
            title=_("Approve agreement “%(title)s”") % {"title": agreement.title},
            url=reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk}),
            due=agreement.valid_from,
            severity="warning",
            account_name=agreement.account.name,
        )
        for agreement in selectors.agreements_waiting_for(user).select_related("account")[
            :WORKLIST_LIMIT
        ]
    ]
    return items


def _blocked(user) -> list[WorkItem]:
    offers = selectors.offers_blocked(user).filter(created_by=user).select_related("account")
    return [
        WorkItem(
            kind="offer_blocked",
            title=_("Offer %(number)s has findings that block sending") % {"number": offer.number},
            url=reverse("conditions:offer_detail", kwargs={"pk": offer.pk}),
            due=offer.valid_until,
            severity="danger",
            account_name=offer.account.name,
        )
        for offer in offers[:WORKLIST_LIMIT]
    ]


def _expiring(user, today: datetime.date) -> list[WorkItem]:
    agreements = selectors.agreements_expiring(user, today=today).filter(account__owner=user)
    return [
        WorkItem(
            kind="agreement_expiring",
            title=_("Agreement “%(title)s” expires") % {"title": agreement.title},
            url=reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk}),
            due=agreement.valid_to,
            severity="info",
            account_name=agreement.account.name,
        )
        for agreement in agreements.select_related("account").order_by("valid_to")[:WORKLIST_LIMIT]
    ]


def _overcharged(user) -> list[WorkItem]:
    rows = (
        PriceDeviation.objects.filter(
            account__in=selectors.condition_accounts(user).filter(owner=user),
            overcharged_lines__gt=0,
        )
        .values("account_id", "account__name")
        .annotate(total=Sum("overcharged_cents"))
        .order_by("-total")[:WORKLIST_LIMIT]
    )
    return [
        WorkItem(
            kind="overcharged",
            title=_("Overcharged against the agreement: %(amount)s €")
            % {"amount": german_amount(row["total"])},
            url=reverse("conditions:price_check") + f"?account={row['account_id']}&kind=over",
            due=None,
            severity="danger",
            account_name=row["account__name"],
        )
        for row in rows
    ]
