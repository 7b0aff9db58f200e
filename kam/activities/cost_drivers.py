"""The contacts' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every contact that is done counts once for its owner and once for each of
our other participants, by the role of the person; an offer presentation also counts as an
offer prepared by its owner. Planned, cancelled contacts and notes cost nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, DateField, F, QuerySet
from django.db.models.functions import Trunc
from django.urls import reverse
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.core.plugins import CostDriver, CostItem

PROVIDES = ("activity", "offer")
COSTED_KINDS = [kind for kind in ActivityKind.values if kind != ActivityKind.NOTE]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _done(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet[Activity]:
    activities = Activity.objects.filter(
        status=ActivityStatus.DONE,
        kind__in=COSTED_KINDS,
        starts_at__gte=_local_midnight(first_month),
        starts_at__lt=_local_midnight(_next_month(last_month)),
    )
    return activities if account_ids is None else activities.filter(account_id__in=account_ids)


def _month(field: str) -> Trunc:
    return Trunc(field, "month", output_field=DateField(), tzinfo=timezone.get_current_timezone())


def cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    done = _done(first_month, last_month, account_ids)
    counts: dict[tuple, int] = defaultdict(int)
    owners = done.values_list("account_id", _month("starts_at"), "kind", "owner__role").annotate(
        n=Count("id")
    )
    for account_id, month, kind, role, n in owners.order_by():
        counts[(account_id, month, kind, role)] += n
    through = Activity.participants.through.objects.filter(activity__in=done).exclude(
        user_id=F("activity__owner_id")
    )
    others = through.values_list(
        "activity__account_id", _month("activity__starts_at"), "activity__kind", "user__role"
    ).annotate(n=Count("id"))
    for account_id, month, kind, role, n in others.order_by():
        counts[(account_id, month, kind, role)] += n
    drivers = [
        CostDriver(account_id, month, "activity", kind, role, n)
        for (account_id, month, kind, role), n in counts.items()
    ]
    offers = done.filter(kind=ActivityKind.PRESENTATION)
    offer_counts = offers.values_list("account_id", _month("starts_at"), "owner__role").annotate(
        n=Count("id")
    )
    drivers += [
        CostDriver(account_id, month, "offer", "", role, n)
        for account_id, month, role, n in offer_counts.order_by()
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
