"""The complaints' cost drivers for the profitability statement (the contract is in
kam.core.plugins): every complaint received counts in its month, by the hours booked on it
(detail "hours", quantity in hundredths of an hour, customer service's time) or, without hours
booked, once by its severity."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import BigIntegerField, F, QuerySet, Value
from django.db.models.functions import Cast, Round
from django.urls import reverse
from django.utils import timezone

from kam.complaints.models import Complaint
from kam.core.plugins import CostItem, driver_rows, in_months
from kam.users.models import Role

PROVIDES = ("complaint",)
#: The detail of complaints with hours booked (the others' detail is their severity).
HOURS = "hours"
#: Hundredths of an hour, exact: SQLite keeps decimals as floats (2.55 x 100 = 254.99...).
HUNDREDTHS = Cast(Round(F("handling_hours") * 100), BigIntegerField())


def _received(first_month: datetime.date, last_month: datetime.date, account_ids) -> QuerySet:
    complaints = in_months(
        Complaint.objects.all(), day="received_at", first_month=first_month, last_month=last_month
    )
    return complaints if account_ids is None else complaints.filter(account_id__in=account_ids)


def cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    by_severity = driver_rows(
        Complaint.objects.filter(handling_hours__isnull=True),
        day="received_at",
        **window,
        kind="complaint",
        detail="severity",
    )
    by_hours = driver_rows(
        Complaint.objects.filter(handling_hours__isnull=False),
        day="received_at",
        **window,
        kind="complaint",
        detail=Value(HOURS),
        role=Value(Role.CUSTOMER_SERVICE.value),
        quantity=HUNDREDTHS,
    )
    return [by_severity, by_hours]


def _plain(hours: Decimal | None) -> Decimal | None:
    """2.50 as 2.5 and 3.00 as 3 (as the drill-down shows them)."""
    if hours is None:
        return None
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours.normalize()


def cost_items(*, account_id: int, month: datetime.date) -> list[CostItem]:
    complaints = _received(month, month, [account_id]).order_by("received_at")
    return [
        CostItem(
            account_id=account_id,
            day=timezone.localdate(complaint.received_at),
            kind="complaint",
            detail=complaint.severity if complaint.handling_hours is None else HOURS,
            title=f"{complaint.number} {complaint.subject}",
            url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
            hours=_plain(complaint.handling_hours),
        )
        for complaint in complaints
    ]
