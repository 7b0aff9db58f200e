"""The contacts' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every contact that is done counts once for its owner and once for each of
our other participants, by the role of the person; an offer presentation also counts as an
offer prepared by its owner. Planned, cancelled contacts and notes cost nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.core.plugins import CostDriver, CostItem, local_month_number, local_month_range

PROVIDES = ("activity", "offer")
COSTED_KINDS = [kind for kind in ActivityKind.values if kind != ActivityKind.NOTE]


def _done(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet[Activity]:
    start, end = local_month_range(first_month, last_month)
    activities = Activity.objects.filter(
        status=ActivityStatus.DONE, kind__in=COSTED_KINDS, starts_at__gte=start, starts_at__lt=end
    )
    return activities if account_ids is None else activities.filter(account_id__in=account_ids)


def cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    done = _done(first_month, last_month, account_ids)
    month, months = local_month_number("starts_at", first_month, last_month)
    counts: dict[tuple, int] = defaultdict(int)
    owners = done.values_list("account_id", month, "kind", "owner__role").annotate(n=Count("id"))
    offered = []  # an offer presentation's owner prepared the offer
    for key in owners.order_by():
        counts[key[:4]] += key[4]
        if key[2] == ActivityKind.PRESENTATION:
            offered.append(key)
    participant_month, _months = local_month_number("activity__starts_at", first_month, last_month)
    through = Activity.participants.through.objects.filter(activity__in=done).exclude(
        user_id=F("activity__owner_id")
    )
    others = through.values_list(
        "activity__account_id", participant_month, "activity__kind", "user__role"
    ).annotate(n=Count("id"))
    for key in others.order_by():
        counts[key[:4]] += key[4]
    drivers = [
        CostDriver(account_id, months[number], "activity", kind, role, n)
        for (account_id, number, kind, role), n in counts.items()
    ]
    drivers += [
        CostDriver(account_id, months[number], "offer", "", role, n)
        for account_id, number, kind, role, n in offered
    ]
    return drivers


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
