"""The complaint analysis: Pareto of root causes and categories, recurring process errors,
SLA compliance and the open backlog by age. Always over the complaints the user may see."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.complaints.models import OPEN_STATUSES, Complaint
from kam.complaints.selectors import complaints_visible_to
from kam.users.models import User

#: The share of complaints the "vital few" causes explain (the 80 % of the 80/20 rule).
VITAL_SHARE = 0.8
RECURRING_DAYS = 90
RECURRING_ACCOUNTS = 3
AGE_BUCKETS = ((2, _("0–2 days")), (7, _("3–7 days")), (14, _("8–14 days")), (30, _("15–30 days")))
OLDER = _("over 30 days")


@dataclass(frozen=True)
class AnalysisFilter:
    product: str = ""
    account_status: str = ""
    since: date | None = None
    until: date | None = None


def analysed_complaints(*, user: User, filters: AnalysisFilter) -> QuerySet[Complaint]:
    complaints = complaints_visible_to(user)
    if filters.product:
        complaints = complaints.filter(product_numbers__icontains=filters.product)
    if filters.account_status:
        complaints = complaints.filter(account__status=filters.account_status)
    if filters.since:
        complaints = complaints.filter(received_at__date__gte=filters.since)
    if filters.until:
        complaints = complaints.filter(received_at__date__lte=filters.until)
    return complaints


@dataclass(frozen=True)
class ParetoRow:
    label: str
    count: int
    share: float
    cumulative: float
    vital: bool  # among the few causes that explain most complaints


def pareto(counts: list[tuple[str, int]]) -> list[ParetoRow]:
    """Sorted by count (ties by label), with the share and the cumulative share of each."""
    total = sum(count for _label, count in counts)
    rows, running = [], 0
    for label, count in sorted(counts, key=lambda item: (-item[1], item[0])):
        before = running / total if total else 0.0
        running += count
        rows.append(
            ParetoRow(label, count, count / total, running / total, vital=before < VITAL_SHARE)
        )
    return rows


def _counts(complaints: QuerySet[Complaint], field: str) -> list[tuple[str, int]]:
    rows = complaints.exclude(**{f"{field}__isnull": True}).values_list(f"{field}__name")
    return list(rows.annotate(n=Count("id")).order_by())


def root_cause_pareto(complaints: QuerySet[Complaint]) -> list[ParetoRow]:
    return pareto(_counts(complaints, "root_cause"))


def category_pareto(complaints: QuerySet[Complaint]) -> list[ParetoRow]:
    return pareto(_counts(complaints, "category"))


@dataclass(frozen=True)
class RecurringCause:
    root_cause: str
    account_count: int
    complaint_count: int


def recurring_causes(complaints: QuerySet[Complaint], now: datetime) -> list[RecurringCause]:
    """Root causes seen at several accounts within the window: likely a process error of ours."""
    rows = (
        complaints.filter(
            root_cause__isnull=False, received_at__gte=now - timedelta(days=RECURRING_DAYS)
        )
        .values_list("root_cause__name")
        .annotate(accounts=Count("account", distinct=True), n=Count("id"))
        .filter(accounts__gte=RECURRING_ACCOUNTS)
        .order_by("-accounts", "-n")
    )
    return [RecurringCause(name, accounts, n) for name, accounts, n in rows]


@dataclass(frozen=True)
class SlaCompliance:
    acknowledged: int
    acknowledged_in_time: int
    resolved: int
    resolved_in_time: int
    median_hours_to_acknowledge: Decimal | None
    median_hours_to_resolve: Decimal | None

    @property
    def acknowledge_share(self) -> float | None:
        return self.acknowledged_in_time / self.acknowledged if self.acknowledged else None

    @property
    def resolve_share(self) -> float | None:
        return self.resolved_in_time / self.resolved if self.resolved else None


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)).quantize(Decimal("0.1")) if values else None


def sla_compliance(complaints: QuerySet[Complaint]) -> SlaCompliance:
    acknowledged = complaints.filter(acknowledged_at__isnull=False)
    resolved = complaints.filter(resolved_at__isnull=False)
    return SlaCompliance(
        acknowledged=acknowledged.count(),
        acknowledged_in_time=acknowledged.filter(acknowledged_at__lte=F("acknowledge_due")).count(),
        resolved=resolved.count(),
        resolved_in_time=resolved.filter(resolved_at__lte=F("resolve_due")).count(),
        median_hours_to_acknowledge=_median(
            [
                h
                for h in acknowledged.values_list("hours_to_acknowledge", flat=True)
                if h is not None
            ]
        ),
        median_hours_to_resolve=_median(
            [h for h in resolved.values_list("hours_to_resolve", flat=True) if h is not None]
        ),
    )


def backlog_by_age(complaints: QuerySet[Complaint], now: datetime) -> list[tuple[str, int]]:
    """Open complaints by calendar days since they came in."""
    labels = [str(label) for _days, label in AGE_BUCKETS] + [str(OLDER)]
    counts = dict.fromkeys(labels, 0)
    for received_at in complaints.filter(status__in=OPEN_STATUSES).values_list(
        "received_at", flat=True
    ):
        age = (now - received_at).days
        label = next((str(lbl) for days, lbl in AGE_BUCKETS if age <= days), str(OLDER))
        counts[label] += 1
    return list(counts.items())
