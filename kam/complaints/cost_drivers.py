"""The complaints' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every complaint received counts once in its month, by severity."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, QuerySet
from django.db.models.functions import Trunc
from django.urls import reverse
from django.utils import timezone

from kam.complaints.models import Complaint
from kam.core.plugins import CostDriver, CostItem

PROVIDES = ("complaint",)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _received(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet:
    after_last = (last_month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    complaints = Complaint.objects.filter(
        received_at__gte=_local_midnight(first_month), received_at__lt=_local_midnight(after_last)
    )
    return complaints if account_ids is None else complaints.filter(account_id__in=account_ids)


def cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    month = Trunc(
        "received_at", "month", output_field=DateField(), tzinfo=timezone.get_current_timezone()
    )
    counts = (
        _received(first_month, last_month, account_ids)
        .values_list("account_id", month, "severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        CostDriver(account_id, month, "complaint", severity, "", n)
        for account_id, month, severity, n in counts
    ]


def cost_items(*, account_id: int, month: datetime.date) -> list[CostItem]:
    complaints = _received(month, month, [account_id]).order_by("received_at")
    return [
        CostItem(
            account_id=account_id,
            day=timezone.localdate(complaint.received_at),
            kind="complaint",
            detail=complaint.severity,
            title=f"{complaint.number} {complaint.subject}",
            url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
        )
        for complaint in complaints
    ]
