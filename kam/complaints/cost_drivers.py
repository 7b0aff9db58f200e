"""The complaints' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every complaint received counts once in its month, by severity."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from kam.complaints.models import Complaint
from kam.core.plugins import CostItem, driver_rows, in_months

PROVIDES = ("complaint",)


def _received(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet:
    complaints = in_months(
        Complaint.objects.all(), day="received_at", first_month=first_month, last_month=last_month
    )
    return complaints if account_ids is None else complaints.filter(account_id__in=account_ids)


def cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    received = driver_rows(
        Complaint.objects.all(), day="received_at", **window, kind="complaint", detail="severity"
    )
    return [received]


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
