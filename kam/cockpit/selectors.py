"""Reads of the cockpit: stored analysis results and runs, always scoped to the viewer.

Every figure here comes from `AnalysisRun` and `AccountResult` of the latest finished run (or
from monthly facts for one account); nothing is recomputed and no sales line is read. Each
function is one or two queries, whatever the number of accounts, so a page's query count is
bounded (tested). Margin figures are included only when `Scope.show_margins` is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import BigIntegerField, Count, F, Func, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.analysis.models import AccountResult, AnalysisRun, RunStatus
from kam.analysis.selectors import latest_run, with_area_reasons
from kam.cockpit.filters import CockpitFilters
from kam.core import permissions
from kam.core.http import id_param
from kam.sales import figures
from kam.sales.figures import RevenueFigures, share
from kam.users.models import User
from kam_analytics.concentration import concentration_summary, lorenz_curve

#: What `Scope.period_rows` reads of each result after its id, owner and class.
PERIOD_ROW_SUMS = (
    "period_revenue_cents",
    "period_revenue_prev_cents",
    "period_margin_cents",
    "revenue_12m_cents",
    "expected_revenue_12m_cents",
)


class PeriodRow(NamedTuple):
    """One result's figures in the chosen period (see `Scope.period_rows`): a tuple, as a
    manager's 2,000 of them are made on every cockpit not yet in the cache."""

    pk: int
    owner_id: int | None
    abc: str
    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int
    stored_revenue_cents: int
    forecast_cents: int | None

    @property
    def change(self) -> int:
        return self.revenue_cents - self.revenue_prev_cents


@dataclass
class Scope:
    """Who looks, at which run, through which filters: the one object every cockpit read
    starts from."""

    user: User
    run: AnalysisRun | None
    filters: CockpitFilters = field(default_factory=CockpitFilters)

    @cached_property
    def accounts(self) -> QuerySet[Account]:
        """The visible accounts the filters select."""
        visible = accounts_visible_to(self.user)
        if self.filters.narrows_accounts:
            return visible.filter(self.filters.account_q())
        return visible

    @cached_property
    def company_revenue_cents(self) -> int:
        """Every account's revenue in the period (what "share of the company" divides by).

        The same for every viewer: stored by the run for the periods the filter offers; another
        period's total (a scan of every account's facts in it, 150 ms for a year of 100,000
        accounts) is kept as long as the run's sections are."""
        if self.run is None:
            return 0
        period = self.filters.chosen_period
        if period is None:
            return self.run.revenue_12m_cents
        if self.stored_period:
            return int(self.run.period_totals[period.key])
        key = f"kam:cockpit:company:{self.run_key}:{period.first_month}:{period.last_month}"
        revenue = cache.get_or_set(
            key,
            lambda: figures.company_revenue(period),
            timeout=settings.KAM_COCKPIT_CACHE_SECONDS,
        )
        return int(revenue or 0)

    @property
    def stored_period(self) -> bool:
        """Whether the run stored its results' sums in the chosen period ahead (and no import
        has changed the facts since): then they are read instead of the facts."""
        period = self.filters.chosen_period
        return bool(self.run and period and period.key in (self.run.period_totals or {}))

    @property
    def run_key(self) -> str:
        """The run, when it finished and whether its stored period sums are current: what
        cached figures of the run depend on."""
        if self.run is None:
            return "none"
        finished = self.run.finished_at.timestamp() if self.run.finished_at else 0
        return f"{self.run.pk}.{finished}.{len(self.run.period_totals or {})}"

    @cached_property
    def period_rows(self) -> list[PeriodRow]:
        """Each selected result's figures in the chosen period, read once per request: its
        sums are computed per account (an indexed lookup of its facts each), and the totals
        per owner and class and the rising and falling accounts all need them."""
        columns = ("pk", "account__owner", "abc_revenue", *PERIOD_ROW_SUMS)
        return list(map(PeriodRow._make, results(self).values_list(*columns).order_by()))

    @cached_property
    def owner_class_totals(self) -> list[dict]:
        """See `totals_by_owner_and_class`: computed once per request."""
        return _owner_class_totals(self)

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
        return f"{self._viewer_key}.{self.filters.cache_key}"

    @property
    def accounts_cache_key(self) -> str:
        """The same without the period: for sections that show the run's stored figures
        whatever the period, so that another period of the same accounts renders them
        from the cache."""
        if self.run is None:
            return "none"
        return f"{self._viewer_key}.{self.filters.accounts_cache_key}"

    @property
    def _viewer_key(self) -> str:
        viewer = "all" if permissions.can_see_all_accounts(self.user) else f"user{self.user.pk}"
        return f"{self.run_key}.{viewer}.{int(self.show_margins)}"


def scope_for(user: User, query=None) -> Scope:
    """The viewer's scope at the latest run, filtered by the request's GET parameters."""
    run = latest_run()
    filters = (
        CockpitFilters.from_query(query, as_of=run.as_of if run else None)
        if query is not None
        else CockpitFilters()
    )
    return Scope(user=user, run=run, filters=filters)


def previous_run(run: AnalysisRun) -> AnalysisRun | None:
    """The finished run before `run`: what "dropped since the last analysis" compares with."""
    return (
        AnalysisRun.objects.filter(status=RunStatus.DONE)
        .filter(Q(as_of__lt=run.as_of) | Q(as_of=run.as_of, pk__lt=run.pk))
        .order_by("-as_of", "-finished_at", "-pk")
        .first()
    )


def results(scope: Scope) -> QuerySet[AccountResult]:
    """The latest run's results of the accounts the viewer may see and the filters select,
    with the period's figures as `period_revenue_cents`, `period_revenue_prev_cents` (the same
    months a year before) and `period_margin_cents`."""
    return stored_results(scope).annotate(**period_columns(scope))


def stored_results(scope: Scope) -> QuerySet[AccountResult]:
    """The same rows with the run's stored figures only: for what shows the trailing 12 months
    whatever the period (a chosen year's sums are computed per row, which costs time)."""
    if scope.run is None:
        return AccountResult.objects.none()
    run_results = AccountResult.objects.filter(run=scope.run).defer("period_sums")
    # Filtering 100,000 results by a subquery that returns every account costs more than the
    # rest of the query: viewers who see everything skip it.
    # Narrowed by the ids of the selected accounts, not by a join: the database then looks up
    # their results by (account, run) instead of walking the whole run's (100,000 rows, 80 ms
    # per list for a manager's 2,000 accounts on SQLite).
    if not permissions.can_see_all_accounts(scope.user) or scope.filters.narrows_accounts:
        run_results = run_results.filter(account__in=scope.accounts)
    return run_results


def period_columns(scope: Scope) -> dict:
    """The stored 12-month figures for the run's window; for another period the sums the run
    stored ahead (`AccountResult.period_sums`) or, for a period it did not store or after an
    import changed the facts, the facts' sums."""
    period = scope.filters.chosen_period
    if period is None:
        return {
            "period_revenue_cents": F("revenue_12m_cents"),
            "period_revenue_prev_cents": F("revenue_prev_12m_cents"),
            "period_margin_cents": F("margin_12m_cents"),
        }
    from_facts = figures.period_sums(period, account_ref="account")
    if not scope.stored_period:
        return from_facts
    # A result without stored sums (none of a run's results, in practice) reads the facts.
    return {
        name: Coalesce(_stored_sum(period.key, position), from_facts[name])
        for position, name in enumerate(STORED_SUMS)
    }


#: The order of the figures in `AccountResult.period_sums[key]`.
STORED_SUMS = ("period_revenue_cents", "period_margin_cents", "period_revenue_prev_cents")


class _StoredSum(Func):
    """One figure of a result's `period_sums[key]` as an integer, read in the database (one
    JSON lookup; Django's key transforms look each value up twice or three times on SQLite)."""

    output_field = BigIntegerField()

    def __init__(self, key: str, position: int) -> None:
        super().__init__(F("period_sums"))
        self.key, self.position = key, position

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: jsonb
        column, params = compiler.compile(self.source_expressions[0])
        return f"(({column} -> %s::text) ->> %s::integer)::bigint", [
            *params,
            self.key,
            self.position,
        ]

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({column}, %s)", [*params, f'$."{self.key}"[{self.position}]']


def _stored_sum(key: str, position: int) -> _StoredSum:
    return _StoredSum(key, position)


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
    "revenue": Sum("period_revenue_cents"),
    "revenue_prev": Sum("period_revenue_prev_cents"),
    "margin": Sum("period_margin_cents"),
    "stored_revenue": Sum("revenue_12m_cents"),
    "forecast": Sum("expected_revenue_12m_cents"),
}
_SUMMED = ("accounts", "revenue", "revenue_prev", "margin", "stored_revenue", "forecast")


def totals_by_owner_and_class(scope: Scope) -> list[dict]:
    """The period's sums per owner and ABC class, in one query per request (the ABC split and
    the KPIs per manager both add them up: a chosen period's sums are computed per account,
    which should happen once)."""
    return scope.owner_class_totals


def _owner_class_totals(scope: Scope) -> list[dict]:
    if scope.filters.chosen_period is not None:
        return _period_owner_class_totals(scope)
    rows = results(scope).values("account__owner", "abc_revenue").annotate(**_TOTALS).order_by()
    totals = []
    for row in rows:
        values: dict = dict(row)
        totals.append({**values, **{name: values[name] or 0 for name in _SUMMED}})
    return totals


def _period_owner_class_totals(scope: Scope) -> list[dict]:
    """The same sums added up here from the period's rows, which are read anyway."""
    sums: dict[tuple, dict] = {}
    for row in scope.period_rows:
        into = sums.setdefault((row.owner_id, row.abc), dict.fromkeys(_SUMMED, 0))
        into["accounts"] += 1
        into["revenue"] += row.revenue_cents or 0
        into["revenue_prev"] += row.revenue_prev_cents or 0
        into["margin"] += row.margin_cents or 0
        into["stored_revenue"] += row.stored_revenue_cents or 0
        into["forecast"] += row.forecast_cents or 0
    return [
        {"account__owner": owner, "abc_revenue": abc, **values}
        for (owner, abc), values in sums.items()
    ]


def summed_by(rows: list[dict], key: str) -> dict:
    """The rows' figures added up per value of `key`."""
    sums: dict = {}
    for row in rows:
        into = sums.setdefault(row[key], dict.fromkeys(_SUMMED, 0))
        for name in _SUMMED:
            into[name] += row[name]
    return sums


def abc_split(scope: Scope) -> list[ClassFigures]:
    """Revenue and margin in the period (and the same months before) per ABC class, plus a
    total."""
    company = scope.company_revenue_cents
    rows = summed_by(totals_by_owner_and_class(scope), "abc_revenue")
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
    "-revenue": ("-period_revenue_cents", "account_id"),
    "revenue": ("period_revenue_cents", "account_id"),
    "-forecast": ("-expected_revenue_12m_cents", "account_id"),
    "-score": (F("score").desc(nulls_last=True), "account_id"),
    "name": ("account__name", "account_id"),
    "-name": ("-account__name", "-account_id"),
    "-margin": ("-period_margin_cents", "account_id"),
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


def _top_order(scope: Scope, field: str):
    """An order for "the first N": for a viewer with a scope an expression, so that SQLite
    finds the scope's few results first instead of walking the whole run along the column's
    index until N of them turn up (0.3 s for a manager with 800 of 40,000 accounts)."""
    if permissions.can_see_all_accounts(scope.user) and not scope.filters.narrows_accounts:
        return F(field)
    return F(field) + 0


def tomorrow_top(scope: Scope, *, limit: int = 10) -> list[AccountResult]:
    """Ranks and forecasts of the run (the chosen period's sums are not shown, so not read),
    with the product areas the accounts buy more or less of."""
    rows = (
        stored_results(scope)
        .select_related("account", "account__owner")
        .annotate(rank_change=F("rank_today") - F("rank_tomorrow"))
    )
    top = rows.order_by(_top_order(scope, "rank_tomorrow").asc(), "account_id")[:limit]
    return with_area_reasons(top)


@dataclass
class Movers:
    rising: list[AccountResult] = field(default_factory=list)
    falling: list[AccountResult] = field(default_factory=list)


def movers(scope: Scope, *, limit: int = 10) -> Movers:
    """The accounts whose revenue changed most in euros against the 12 months before (or the
    same months a year before the chosen period).

    Euros rather than percent: a small account doubling matters less than a large one losing a
    fifth; the growth in percent is shown next to it.
    """
    if scope.filters.chosen_period is not None:
        return _period_movers(scope, limit=limit)
    changed = (
        results(scope)
        .select_related("account")
        .annotate(change=F("period_revenue_cents") - F("period_revenue_prev_cents"))
    )
    return Movers(
        rising=list(changed.filter(change__gt=0).order_by("-change", "account_id")[:limit]),
        falling=list(changed.filter(change__lt=0).order_by("change", "account_id")[:limit]),
    )


def _period_movers(scope: Scope, *, limit: int) -> Movers:
    """The same from the facts: the period's sums are read once per account (filtering and
    sorting by them in SQL would evaluate them again for every row), the top ones picked here,
    then loaded in one query by id (the rows already passed the scope)."""
    rows = {row.pk: row for row in scope.period_rows if row.change}
    rising = [pk for pk in rows if rows[pk].change > 0]
    falling = [pk for pk in rows if rows[pk].change < 0]
    rising.sort(key=lambda pk: (-rows[pk].change, pk))
    falling.sort(key=lambda pk: (rows[pk].change, pk))
    rising, falling = rising[:limit], falling[:limit]
    loaded = (
        AccountResult.objects.defer("period_sums")
        .select_related("account")
        .in_bulk([*rising, *falling])
    )
    for pk, result in loaded.items():
        result.change = rows[pk].change  # type: ignore[attr-defined]
        result.period_revenue_cents = rows[pk].revenue_cents  # type: ignore[attr-defined]
        result.period_revenue_prev_cents = rows[pk].revenue_prev_cents  # type: ignore[attr-defined]
        result.period_margin_cents = rows[pk].margin_cents  # type: ignore[attr-defined]
    return Movers(
        rising=[loaded[pk] for pk in rising if pk in loaded],
        falling=[loaded[pk] for pk in falling if pk in loaded],
    )


def portfolio_bubbles(scope: Scope, *, limit: int = 100) -> list[AccountResult]:
    """The largest accounts with a place in the portfolio matrix (a readable chart has ~100)."""
    return list(
        stored_results(scope)  # the matrix and its table show the run's 12 months
        .exclude(attractiveness=None)
        .exclude(position=None)
        .select_related("account")
        .order_by(_top_order(scope, "revenue_12m_cents").desc(), "account_id")[:limit]
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
    """The run's stored concentration; with filters, that of the selected accounts' figures."""
    if scope.run is None:
        return []
    measures = ("revenue", "margin") if scope.show_margins else ("revenue",)
    stored_or_filtered = (
        scope.run.concentration or {}
        if scope.filters.is_default
        else _filtered_concentration(scope)
    )
    return [
        _concentration_of(measure, stored_or_filtered.get(measure) or {}) for measure in measures
    ]


def _concentration_of(measure: str, stored: dict) -> Concentration:
    return Concentration(
        measure=measure,
        top1=stored.get("top1_share"),
        top5=stored.get("top5_share"),
        top10=stored.get("top10_share"),
        hhi=stored.get("hhi"),
        gini=stored.get("gini"),
    )


def _period_values(scope: Scope, column: str) -> np.ndarray:
    values = results(scope).values_list(column, flat=True)
    return np.fromiter((v or 0 for v in values), dtype=np.float64)


def _filtered_concentration(scope: Scope) -> dict:
    """Concentration of the selected accounts, by kam_analytics over one narrow query each."""
    figures_by_measure = {}
    for measure, column in (("revenue", "period_revenue_cents"), ("margin", "period_margin_cents")):
        values = _period_values(scope, column)
        if not np.any(values > 0):
            continue
        summary = concentration_summary(values)
        figures_by_measure[measure] = {
            "top1_share": summary.top1_share,
            "top5_share": summary.top5_share,
            "top10_share": summary.top10_share,
            "hhi": summary.herfindahl_index,
            "gini": summary.gini,
        }
    return figures_by_measure


#: Enough points for a readable Lorenz curve of any number of accounts.
LORENZ_POINTS = 101


def lorenz_points(scope: Scope) -> list[list[float]]:
    if scope.run is None:
        return []
    if scope.filters.is_default:
        return list((scope.run.lorenz or {}).get("revenue") or [])
    values = _period_values(scope, "period_revenue_cents")
    if not np.any(values > 0):
        return []
    accounts, value = lorenz_curve(values)
    grid = np.linspace(0, 1, min(LORENZ_POINTS, len(accounts)))
    return [
        [round(float(x), 4), round(float(y), 4)]
        for x, y in zip(grid, np.interp(grid, accounts, value), strict=True)
    ]


def dependency_alerts(scope: Scope) -> list[dict]:
    """The run's dependency alerts the viewer may see (margin alerts only with the permission)
    on the accounts the filters select.

    Top-5 alerts concern the whole company and go to leadership only, unfiltered.
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
        or (alert.get("kind") == "top5" and scope.sees_portfolio and scope.filters.is_default)
    ]
