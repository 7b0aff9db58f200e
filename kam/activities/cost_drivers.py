"""The contacts' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every contact that is done counts once for its owner and once for each of
our other participants, by the role of the person; an offer presentation also counts as an
offer prepared by its owner. Planned, cancelled contacts and notes cost nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import F, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.core.plugins import CostItem, driver_rows, in_months

PROVIDES = ("activity", "offer")
COSTED_KINDS = [kind for kind in ActivityKind.values if kind != ActivityKind.NOTE]
DONE = Activity.objects.filter(status=ActivityStatus.DONE, kind__in=COSTED_KINDS)


def _done(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet[Activity]:
    activities = in_months(DONE, day="starts_at", first_month=first_month, last_month=last_month)
    return activities if account_ids is None else activities.filter(account_id__in=account_ids)


def cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    owners = driver_rows(
        DONE, day="starts_at", **window, kind="activity", detail="kind", role="owner__role"
    )
    offers = driver_rows(
        DONE.filter(kind=ActivityKind.PRESENTATION),
        day="starts_at",
        **window,
        kind="offer",
        detail=Value(""),
        role="owner__role",
    )
    others = Activity.participants.through.objects.filter(
        activity__status=ActivityStatus.DONE, activity__kind__in=COSTED_KINDS
    ).exclude(user_id=F("activity__owner_id"))
    participants = driver_rows(
        others,
        day="activity__starts_at",
        account="activity__account_id",
        **window,
        kind="activity",
        detail="activity__kind",
        role="user__role",
    )
    return [owners, offers, participants]


def cost_items(*, account_id: int, month: datetime.date) -> list[CostItem]:
    """Each contact of the month with whose time it took."""
    done = (
        _done(month, month, [account_id]).select_related("owner").prefetch_related("participants")
    )
    items = []
    for activity in done.order_by("starts_at"):
        people = [activity.owner, *(u for u in activity.participants.all() if u != activity.owner)]
        items.append(
            CostItem(
                account_id=account_id,
                day=timezone.localdate(activity.starts_at),
                kind="offer" if activity.kind == ActivityKind.PRESENTATION else "activity",
                detail=activity.kind,
                title=f"{activity.get_kind_display()}: {activity.subject}",
                quantity=len(people),
                url=reverse("activities:detail", kwargs={"pk": activity.pk}),
                people=", ".join(p.get_full_name() or p.username for p in people),
            )
        )
    return items
