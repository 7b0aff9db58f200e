"""Reads of the cockpit: stored analysis results and runs, always scoped to the viewer.

Every figure here comes from `AnalysisRun` and `AccountResult` of the latest finished run (or
from monthly facts for one account); nothing is recomputed and no sales line is read. Each
function is one or two queries, whatever the number of accounts, so a page's query count is
bounded (tested). Margin figures are included only when `Scope.show_margins` is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.functional import cached_property

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.analysis.models import AccountResult, AnalysisRun, RunStatus
from kam.analysis.selectors import latest_run
from kam.core import permissions
from kam.core.http import id_param
from kam.sales.figures import RevenueFigures, share
from kam.users.models import User


@dataclass
class Scope:
    """Who looks, at which run: the one object every cockpit read starts from."""

    user: User
    run: AnalysisRun | None

    @cached_property
    def accounts(self) -> QuerySet[Account]:
        return accounts_visible_to(self.user)

    @property
    def show_margins(self) -> bool:
        return permissions.can_view_margins(self.user)

    @property
    def sees_portfolio(self) -> bool:
        """Company-wide concentration and the KPI table of every manager: leadership's view."""
        return permissions.can_see_company_portfolio(self.user)

    @property
    def is_service(self) -> bool:
        return permissions.sees_service_cockpit(self.user)

    @property
    def cache_key(self) -> str:
        """What the run's figures depend on: the run, whose accounts, margins or not.

        Everyone who sees every account shares one key, so one rendering serves them all.
        """
        if self.run is None:
            return "none"
        finished = self.run.finished_at.timestamp() if self.run.finished_at else 0
        viewer = "all" if permissions.can_see_all_accounts(self.user) else f"user{self.user.pk}"
        return f"{self.run.pk}.{finished}.{viewer}.{int(self.show_margins)}"


def scope_for(user: User) -> Scope:
    return Scope(user=user, run=latest_run())


def previous_run(run: AnalysisRun) -> AnalysisRun | None:
    """The finished run before `run`: what "dropped since the last analysis" compares with."""
    return (
        AnalysisRun.objects.filter(status=RunStatus.DONE)
        .filter(Q(as_of__lt=run.as_of) | Q(as_of=run.as_of, pk__lt=run.pk))
        .order_by("-as_of", "-finished_at", "-pk")
        .first()
    )


def results(scope: Scope) -> QuerySet[AccountResult]:
    """The latest run's results of the accounts the viewer may see."""
    if scope.run is None:
        return AccountResult.objects.none()
    run_results = AccountResult.objects.filter(run=scope.run)
    # Filtering 100,000 results by a subquery that returns every account costs more than the
    # rest of the query: viewers who see everything skip it.
    if permissions.can_see_all_accounts(scope.user):
        return run_results
    return run_results.filter(account__in=scope.accounts)


# --- revenue and margin by ABC class (growth and margin rate from kam.sales.figures)


@dataclass
class ClassFigures(RevenueFigures):
    label: str
    accounts: int
    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int
    company_revenue_cents: int

    @property
    def share(self) -> float | None:
        return share(self.revenue_cents, self.company_revenue_cents)


_TOTALS = {
    "accounts": Count("id"),
    "revenue": Sum("revenue_12m_cents"),
    "revenue_prev": Sum("revenue_prev_12m_cents"),
    "margin": Sum("margin_12m_cents"),
}


def abc_split(scope: Scope) -> list[ClassFigures]:
    """Revenue and margin (trailing 12 months, and the 12 before) per ABC class, plus a total."""
    company = scope.run.revenue_12m_cents if scope.run else 0
    rows: dict[str, dict] = {
        row["abc_revenue"]: dict(row)
        for row in results(scope).values("abc_revenue").annotate(**_TOTALS).order_by()
    }
    classes = [
        ClassFigures(
            label=abc,
            accounts=rows.get(abc, {}).get("accounts", 0),
            revenue_cents=rows.get(abc, {}).get("revenue") or 0,
            revenue_prev_cents=rows.get(abc, {}).get("revenue_prev") or 0,
            margin_cents=rows.get(abc, {}).get("margin") or 0,
            company_revenue_cents=company,
        )
        for abc in ("A", "B", "C")
    ]
    total = ClassFigures(
        label="Σ",
        accounts=sum(c.accounts for c in classes),
        revenue_cents=sum(c.revenue_cents for c in classes),
        revenue_prev_cents=sum(c.revenue_prev_cents for c in classes),
        margin_cents=sum(c.margin_cents for c in classes),
        company_revenue_cents=company,
    )
    return [*classes, total]


# --- lists of accounts: ABC list, tomorrow's top, rising and falling

RESULT_SORTS: dict[str, tuple] = {
    "rank": ("rank_today", "account_id"),
    "tomorrow": ("rank_tomorrow", "account_id"),
    "-revenue": ("-revenue_12m_cents", "account_id"),
    "revenue": ("revenue_12m_cents", "account_id"),
    "-forecast": ("-expected_revenue_12m_cents", "account_id"),
    "-score": (F("score").desc(nulls_last=True), "account_id"),
    "name": ("account__name", "account_id"),
    "-name": ("-account__name", "-account_id"),
    "-margin": ("-margin_12m_cents", "account_id"),
}
#: Sorting by margin would reveal the margin order to users without the permission.
MARGIN_SORTS = {"-margin"}


@dataclass(frozen=True)
class ResultFilter:
    q: str = ""
    abc: str = ""
    xyz: str = ""
    owner: str = ""
    sort: str = "rank"

    @classmethod
    def from_query(cls, get, *, default_sort: str) -> ResultFilter:
        sort = get.get("sort", default_sort)
        return cls(
            q=get.get("q", "").strip()[:100],
            abc=get.get("abc", "") if get.get("abc", "") in ("A", "B", "C") else "",
            xyz=get.get("xyz", "") if get.get("xyz", "") in ("X", "Y", "Z") else "",
            owner=get.get("owner", "") if id_param(get.get("owner", "")) else "",
            sort=sort if sort in RESULT_SORTS else default_sort,
        )


def result_list(scope: Scope, filters: ResultFilter) -> QuerySet[AccountResult]:
    rows = (
        results(scope)
        .select_related("account", "account__owner")
        .annotate(rank_change=F("rank_today") - F("rank_tomorrow"))
    )
    if filters.q:
        rows = rows.filter(
            Q(account__customer_number__istartswith=filters.q)
            | Q(account__name__icontains=filters.q)
        )
    if filters.abc:
        rows = rows.filter(abc_revenue=filters.abc)
    if filters.xyz:
        rows = rows.filter(xyz=filters.xyz)
    if filters.owner:
        rows = rows.filter(account__owner_id=int(filters.owner))
    sort = filters.sort
    if sort in MARGIN_SORTS and not scope.show_margins:
        sort = "rank"
    return rows.order_by(*RESULT_SORTS[sort])


def tomorrow_top(scope: Scope, *, limit: int = 10) -> list[AccountResult]:
    return list(result_list(scope, ResultFilter(sort="tomorrow"))[:limit])


@dataclass
class Movers:
    rising: list[AccountResult] = field(default_factory=list)
    falling: list[AccountResult] = field(default_factory=list)


def movers(scope: Scope, *, limit: int = 10) -> Movers:
    """The accounts whose revenue changed most in euros against the 12 months before.

    Euros rather than percent: a small account doubling matters less than a large one losing a
    fifth; the growth in percent is shown next to it.
    """
    changed = (
        results(scope)
        .select_related("account")
        .annotate(change=F("revenue_12m_cents") - F("revenue_prev_12m_cents"))
    )
    return Movers(
        rising=list(changed.filter(change__gt=0).order_by("-change", "account_id")[:limit]),
        falling=list(changed.filter(change__lt=0).order_by("change", "account_id")[:limit]),
    )


def portfolio_bubbles(scope: Scope, *, limit: int = 100) -> list[AccountResult]:
    """The largest accounts with a place in the portfolio matrix (a readable chart has ~100)."""
    return list(
        results(scope)
        .exclude(attractiveness=None)
        .exclude(position=None)
        .select_related("account")
        .order_by("-revenue_12m_cents", "account_id")[:limit]
    )


# --- concentration and dependency (stored on the run)


@dataclass
class Concentration:
    measure: str
    top1: float | None
    top5: float | None
    top10: float | None
    hhi: float | None
    gini: float | None


def concentration(scope: Scope) -> list[Concentration]:
    if scope.run is None:
        return []
    measures = ("revenue", "margin") if scope.show_margins else ("revenue",)
    figures = []
    for measure in measures:
        stored = (scope.run.concentration or {}).get(measure) or {}
        figures.append(
            Concentration(
                measure=measure,
                top1=stored.get("top1_share"),
                top5=stored.get("top5_share"),
                top10=stored.get("top10_share"),
                hhi=stored.get("hhi"),
                gini=stored.get("gini"),
            )
        )
    return figures


def lorenz_points(scope: Scope) -> list[list[float]]:
    if scope.run is None:
        return []
    return list((scope.run.lorenz or {}).get("revenue") or [])


def dependency_alerts(scope: Scope) -> list[dict]:
    """The run's dependency alerts the viewer may see (margin alerts only with the permission).

    Top-5 alerts concern the whole company and go to leadership only.
    """
    if scope.run is None:
        return []
    alerts = [
        alert
        for alert in scope.run.alerts or []
        if scope.show_margins or alert.get("measure") != "margin"
    ]
    ids = {alert["account_id"] for alert in alerts if alert.get("account_id")}
    visible = set(scope.accounts.filter(id__in=ids).values_list("id", flat=True)) if ids else set()
    return [
        alert
        for alert in alerts
        if alert.get("account_id") in visible
        or (alert.get("kind") == "top5" and scope.sees_portfolio)
    ]
