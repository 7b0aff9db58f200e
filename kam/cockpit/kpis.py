"""Key figures per key account manager (the owner of the accounts), for the viewer's accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from kam.activities.coverage import coverage_by_owner
from kam.cockpit.selectors import Scope, summed_by, totals_by_owner_and_class
from kam.complaints.models import OPEN_STATUSES
from kam.complaints.selectors import complaints_visible_to, overdue_q
from kam.profitability.selectors import Figures, figures_by_owner
from kam.sales.figures import RevenueFigures, growth, share, window_as_of
from kam.users.models import User


@dataclass
class OwnerKpis(RevenueFigures):
    owner: User | None
    accounts: int
    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int
    a_accounts: int
    forecast_cents: int
    revenue_12m_cents: int = 0
    coverage: float | None = None
    complaints_open: int = 0
    complaints_breached: int = 0
    complaints_12m: int = 0
    #: The statements' sums (DB I-IV, care cost) of the period: only with margins, on details.
    profit: Figures | None = None

    @property
    def owner_id(self) -> int | None:
        return self.owner.pk if self.owner else None

    @property
    def a_share(self) -> float | None:
        return share(self.a_accounts, self.accounts)

    @property
    def forecast_change(self) -> float | None:
        """Next 12 months' forecast against the last 12 months' revenue (of the run, whatever
        the period shown)."""
        return growth(self.forecast_cents, self.revenue_12m_cents)


KPI_SORTS = {
    "owner": lambda row: (row.owner is None, str(row.owner or "").lower()),
    "-accounts": lambda row: -row.accounts,
    "-revenue": lambda row: -row.revenue_cents,
    "-growth": lambda row: -(row.growth if row.growth is not None else -1e9),
    "-margin": lambda row: -row.margin_cents,
    "-a_share": lambda row: -(row.a_share or 0),
    "-forecast": lambda row: -(row.forecast_change if row.forecast_change is not None else -1e9),
    "-coverage": lambda row: -(row.coverage if row.coverage is not None else -1),
    "-complaints": lambda row: -row.complaints_open,
    "-db3": lambda row: _profit_key(row, lambda p: p.db3_cents),
    "-db4": lambda row: _profit_key(row, lambda p: p.db4_cents),
    "-care_per_revenue": lambda row: _profit_key(row, lambda p: p.care_per_revenue),
}
MARGIN_KPI_SORTS = {"-margin", "-db3", "-db4", "-care_per_revenue"}


def _profit_key(row: OwnerKpis, figure) -> tuple[bool, float]:
    """Largest first, rows without a figure last."""
    value = figure(row.profit) if row.profit is not None else None
    return (value is None, -(value or 0))


def kpi_sort(value: str, *, show_margins: bool) -> str:
    if value not in KPI_SORTS or (value in MARGIN_KPI_SORTS and not show_margins):
        return "-revenue"
    return value


def kpis_by_owner(
    scope: Scope, *, sort: str = "-revenue", details: bool = False
) -> list[OwnerKpis]:
    """One row per owner of visible accounts with a result; `details` adds contact coverage
    (from activities) and complaint figures (from complaints)."""
    totals = totals_by_owner_and_class(scope)
    a_accounts = summed_by([row for row in totals if row["abc_revenue"] == "A"], "account__owner")
    rows = [
        {"account__owner": owner, **sums, "a_accounts": a_accounts.get(owner, {}).get("accounts")}
        for owner, sums in summed_by(totals, "account__owner").items()
    ]
    owners = User.objects.in_bulk([row["account__owner"] for row in rows if row["account__owner"]])
    kpis = [
        OwnerKpis(
            owner=owners.get(row["account__owner"]),
            accounts=row["accounts"],
            revenue_cents=row["revenue"] or 0,
            revenue_prev_cents=row["revenue_prev"] or 0,
            margin_cents=row["margin"] or 0,
            a_accounts=row["a_accounts"] or 0,
            forecast_cents=row["forecast"] or 0,
            revenue_12m_cents=row["stored_revenue"] or 0,
        )
        for row in rows
    ]
    if details:
        _add_coverage(scope, kpis)
        _add_complaints(scope, kpis)
        if scope.show_margins:
            _add_profitability(scope, kpis)
    return sorted(kpis, key=KPI_SORTS[kpi_sort(sort, show_margins=scope.show_margins)])


def _add_coverage(scope: Scope, kpis: list[OwnerKpis]) -> None:
    rows = coverage_by_owner(viewer=scope.user, accounts=scope.accounts)
    coverage = {row.owner.pk: row.percent for row in rows}
    for row in kpis:
        row.coverage = coverage.get(row.owner_id) if row.owner_id else None


def _add_complaints(scope: Scope, kpis: list[OwnerKpis]) -> None:
    """Complaint figures per owner in one query (complaint_figures_for_accounts counts per
    account, which for a whole company would mean 100,000 ids in one query)."""
    now = timezone.now()
    rows = (
        complaints_visible_to(scope.user)
        .filter(scope.filters.account_q("account__"))
        .values("account__owner")
        .annotate(
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            breached=Count("id", filter=overdue_q(now)),
            recent=Count("id", filter=Q(received_at__gte=now - timedelta(days=365))),
        )
        .order_by()
    )
    by_owner: dict[int | None, dict] = {row["account__owner"]: dict(row) for row in rows}
    for kpi in kpis:
        row = by_owner.get(kpi.owner_id, {})
        kpi.complaints_open = row.get("open", 0)
        kpi.complaints_breached = row.get("breached", 0)
        kpi.complaints_12m = row.get("recent", 0)


def _add_profitability(scope: Scope, kpis: list[OwnerKpis]) -> None:
    """DB III, DB IV and care cost per owner from the stored statements of the period shown
    (the chosen one, or the run's 12 months), for the same visible and filtered accounts."""
    if scope.run is None:
        return
    period = scope.filters.chosen_period or window_as_of(scope.run.as_of)
    by_owner = figures_by_owner(
        user=scope.user,
        first=period.first_month,
        last=period.last_month,
        account_q=scope.filters.account_q("account__"),
    )
    for kpi in kpis:
        kpi.profit = by_owner.get(kpi.owner_id, Figures())
