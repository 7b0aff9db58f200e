"""Account figures for pages, exports and the API: the one reader of the monthly facts.

Every page, export and API endpoint that shows an account's revenue or margin reads it here,
never `MonthlyFact` directly (the importer writes the facts, `kam.analysis.facts` reads them
for the analysis with the same month helpers). The window is stated once: **the last 12
complete months as of a date** (`Window`). The month that is still running, and with it every
invoice dated after the as-of date, is never counted as past revenue; on its last day a month
counts as complete. Growth, margin rate and shares are computed here too, for the figures of an
account as for the sums of a class or a key account manager in a stored analysis run.

Money stays in integer cents; the `Decimal` properties are for templates, exports and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_group_ids
from kam.core.money import cents_to_decimal
from kam.sales.models import MonthlyFact
from kam.sales.staging_columns import ERP_COST_COLUMNS

#: The trailing months that "12 months" means on every page, export and in the API.
WINDOW_MONTHS = 12
#: The monthly history shown in the sales tab and sent by the API.
HISTORY_MONTHS = 36

# --- months


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    """The first of the month `count` months after (or before, if negative) `month`'s month."""
    return month_from_index(month_index(month) + count)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def last_complete_month(day: date) -> date:
    """First day of the last month that is complete on `day` (its own month on its last day)."""
    if (day + timedelta(days=1)).day == 1:
        return day.replace(day=1)
    return add_months(day, -1)


def months_ending(last: date, count: int) -> list[date]:
    """`count` consecutive months (first days, oldest first) ending with `last`'s month."""
    return [add_months(last, i - count + 1) for i in range(count)]


# --- the window


@dataclass(frozen=True)
class Window:
    """The last `months` complete months as of `as_of`."""

    as_of: date
    months: int = WINDOW_MONTHS

    @property
    def last_month(self) -> date:
        return last_complete_month(self.as_of)

    @property
    def first_month(self) -> date:
        return add_months(self.last_month, 1 - self.months)

    @property
    def end(self) -> date:
        """The last day counted."""
        return month_end(self.last_month)

    @property
    def month_list(self) -> list[date]:
        return months_ending(self.last_month, self.months)

    def before(self) -> Window:
        """The same number of months just before this window (what growth compares with)."""
        return Window(as_of=self.first_month - timedelta(days=1), months=self.months)

    @property
    def label(self) -> str:
        """How pages name the window, e.g. "12 Monate bis 31.10.2026"."""
        return _("%(months)s months to %(date)s") % {
            "months": self.months,
            "date": date_format(self.end, "SHORT_DATE_FORMAT"),
        }


def window_as_of(as_of: date, months: int = WINDOW_MONTHS) -> Window:
    return Window(as_of=as_of, months=months)


# --- ratios


def share(part: int | float | None, whole: int | float | None) -> float | None:
    return part / whole if part is not None and whole else None


def growth(now: int | None, before: int | None) -> float | None:
    """`now` against `before` (0.1 = +10 %); None without a positive figure to compare with."""
    return now / before - 1 if now is not None and before and before > 0 else None


def margin_rate(margin: int | None, revenue: int | None) -> float | None:
    """Margin as a share of revenue; None without positive revenue."""
    if margin is None or not revenue or revenue <= 0:
        return None
    return margin / revenue


def ratio_expression(part: str, whole: str) -> Case:
    """`part / whole` as a database expression over two cent columns (NULL unless `whole` is
    positive): `margin_rate` for sorting a list by it."""
    ratio = Cast(F(part), FloatField()) / Cast(F(whole), FloatField())
    return Case(When(**{f"{whole}__gt": 0}, then=ratio), default=None, output_field=FloatField())


def growth_expression(now: str, before: str) -> CombinedExpression:
    """`growth` as a database expression, for sorting a list by it."""
    return ratio_expression(now, before) - 1.0


class RevenueFigures:
    """Growth and margin rate of anything with 12-month revenue, prior revenue and margin."""

    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int

    @property
    def growth(self) -> float | None:
        return growth(self.revenue_cents, self.revenue_prev_cents)

    @property
    def margin_rate(self) -> float | None:
        return margin_rate(self.margin_cents, self.revenue_cents)


# --- one account


@dataclass
class MonthFigures:
    month: date
    revenue_cents: int
    margin_cents: int


@dataclass
class AccountFigures(RevenueFigures):
    """An account's figures in a window, the window before it and its monthly history."""

    window: Window
    months: list[MonthFigures]
    revenue_cents: int
    margin_cents: int
    revenue_prev_cents: int
    group_revenue_cents: int | None
    last_purchase: date | None

    @property
    def revenue(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_cents)

    @property
    def margin(self) -> Decimal | None:
        return cents_to_decimal(self.margin_cents)

    @property
    def revenue_prev(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_prev_cents)

    @property
    def group_revenue(self) -> Decimal | None:
        return cents_to_decimal(self.group_revenue_cents)


def monthly_series(account, *, first: date, last: date) -> list[MonthFigures]:
    """Revenue and margin of every month from `first` to `last` (zero where nothing was sold)."""
    stored = {
        month: (revenue, margin)
        for month, revenue, margin in MonthlyFact.objects.filter(
            account=account, month__gte=first, month__lte=last
        ).values_list("month", "revenue_cents", "margin_cents")
    }
    count = month_index(last) - month_index(first) + 1
    return [MonthFigures(m, *stored.get(m, (0, 0))) for m in months_ending(last, count)]


def account_figures(
    account, *, as_of: date, history_months: int = HISTORY_MONTHS
) -> AccountFigures:
    """The account's figures in the window as of `as_of`, and the group's when it has members."""
    window = window_as_of(as_of)
    history = max(history_months, 2 * window.months)
    series = monthly_series(
        account, first=add_months(window.last_month, 1 - history), last=window.last_month
    )
    current, before = series[-window.months :], series[-2 * window.months : -window.months]
    group_ids = account_group_ids(account.pk) if account.members.exists() else None
    return AccountFigures(
        window=window,
        months=series[len(series) - history_months :],
        revenue_cents=sum(m.revenue_cents for m in current),
        margin_cents=sum(m.margin_cents for m in current),
        revenue_prev_cents=sum(m.revenue_cents for m in before),
        group_revenue_cents=revenue_in(group_ids, window) if group_ids else None,
        last_purchase=_last_purchase(account, window),
    )


def revenue_in(account_ids: list[int], window: Window) -> int:
    """The accounts' revenue summed over the window (a group with all its members)."""
    total = MonthlyFact.objects.filter(
        account_id__in=account_ids, month__gte=window.first_month, month__lte=window.last_month
    ).aggregate(revenue=Sum("revenue_cents"))["revenue"]
    return total or 0


def _last_purchase(account, window: Window) -> date | None:
    return MonthlyFact.objects.filter(account=account, month__lte=window.last_month).aggregate(
        last=Max("last_purchase")
    )["last"]


# --- a period (account plans)


@dataclass(frozen=True)
class PeriodFigures:
    first_month: date
    last_month: date
    revenue: Decimal | None
    margin: Decimal | None


def period_figures(account, *, start: date, end: date) -> PeriodFigures | None:
    """Revenue and margin in the complete months from `start`'s month up to `end` (an account
    plan's validity up to a review); None when no such month has facts."""
    first, last = start.replace(day=1), last_complete_month(end)
    if last < first:
        return None
    totals = MonthlyFact.objects.filter(
        account=account, month__gte=first, month__lte=last
    ).aggregate(months=Count("id"), revenue=Sum("revenue_cents"), margin=Sum("margin_cents"))
    if not totals["months"]:
        return None
    return PeriodFigures(
        first_month=first,
        last_month=last,
        revenue=cents_to_decimal(totals["revenue"]),
        margin=cents_to_decimal(totals["margin"]),
    )


# --- several accounts, month by month (attribution of referred business)


def monthly_sums(account_ids: list[int], *, last_month: date) -> dict[int, list[MonthFigures]]:
    """Each account's months with facts up to `last_month` (oldest first)."""
    sums: dict[int, list[MonthFigures]] = {account_id: [] for account_id in account_ids}
    rows = (
        MonthlyFact.objects.filter(account_id__in=account_ids, month__lte=last_month)
        .order_by("account_id", "month")
        .values_list("account_id", "month", "revenue_cents", "margin_cents")
    )
    for account_id, month, revenue, margin in rows:
        sums[account_id].append(MonthFigures(month, revenue, margin))
    return sums


# --- a chosen period (the cockpit's filter): complete months, compared with a year before


@dataclass(frozen=True)
class Period:
    """The complete months from `first_month` to `last_month`. Growth compares them with the
    same months one year before (for 12 trailing months that is the 12 months just before)."""

    first_month: date
    last_month: date

    @property
    def months(self) -> int:
        return month_index(self.last_month) - month_index(self.first_month) + 1

    def before(self) -> Period:
        return Period(add_months(self.first_month, -12), add_months(self.last_month, -12))

    @property
    def label(self) -> str:
        """E.g. "01/2025–12/2025"."""
        return f"{self.first_month:%m/%Y}–{self.last_month:%m/%Y}"

    @property
    def key(self) -> str:
        """E.g. "2025-01/2025-12": what a run's stored sums of the period are filed under."""
        return f"{self.first_month:%Y-%m}/{self.last_month:%Y-%m}"


def window_period(window: Window) -> Period:
    return Period(window.first_month, window.last_month)


def clipped_period(first_month: date, last_month: date, *, as_of: date) -> Period | None:
    """The months of a calendar year or quarter that are complete on `as_of` (a running year
    counts up to its last complete month); None when not one of them is."""
    last = min(last_month, last_complete_month(as_of))
    return Period(first_month, last) if last >= first_month else None


#: The calendar years and quarters a period may be chosen from (cockpit filters), counted back
#: from the as-of date: an analysis run stores its accounts' sums in each of them ahead.
CALENDAR_YEARS = 3
CALENDAR_QUARTERS = 8


def calendar_period(year: int, quarter: int | None = None, *, as_of: date) -> Period | None:
    """The complete months of a calendar year (or one of its quarters) on `as_of`."""
    if quarter is None:
        return clipped_period(date(year, 1, 1), date(year, 12, 1), as_of=as_of)
    first = date(year, 3 * quarter - 2, 1)
    return clipped_period(first, add_months(first, 2), as_of=as_of)


def calendar_periods(as_of: date) -> list[tuple[str, Period]]:
    """The last CALENDAR_YEARS years ("2025") and CALENDAR_QUARTERS quarters ("2025-Q3") with a
    complete month on `as_of`, newest first, years before quarters."""
    periods = []
    for year in range(as_of.year, as_of.year - CALENDAR_YEARS, -1):
        if period := calendar_period(year, as_of=as_of):
            periods.append((str(year), period))
    year, quarter = as_of.year, (as_of.month - 1) // 3 + 1
    for _step in range(CALENDAR_QUARTERS):
        if period := calendar_period(year, quarter, as_of=as_of):
            periods.append((f"{year}-Q{quarter}", period))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return periods


def _facts_of_account(account_ref: str, first: date, last: date):
    return MonthlyFact.objects.filter(
        account=OuterRef(account_ref), month__gte=first, month__lte=last
    ).order_by()


def _summed(facts, field: str) -> Subquery:
    total = facts.values("account").annotate(total=Sum(field)).values("total")
    return Subquery(total, output_field=BigIntegerField())


def period_sums(period: Period, *, account_ref: str = "account") -> dict[str, Coalesce]:
    """Expressions for annotating rows that point at an account (`account_ref`): its revenue
    and margin in the period and its revenue in the same months a year before, in cents. One
    indexed lookup per row, so aggregate them over a scoped, filtered queryset."""
    before = period.before()
    now = _facts_of_account(account_ref, period.first_month, period.last_month)
    prior = _facts_of_account(account_ref, before.first_month, before.last_month)
    return {
        "period_revenue_cents": Coalesce(_summed(now, "revenue_cents"), 0),
        "period_margin_cents": Coalesce(_summed(now, "margin_cents"), 0),
        "period_revenue_prev_cents": Coalesce(_summed(prior, "revenue_cents"), 0),
    }


def company_revenue(period: Period) -> int:
    """Every account's revenue in the period (what a share of the company divides by)."""
    total = MonthlyFact.objects.filter(
        month__gte=period.first_month, month__lte=period.last_month
    ).aggregate(revenue=Sum("revenue_cents"))["revenue"]
    return total or 0


# --- a group: the account with every member below it, at any depth


@dataclass
class MemberFigures(RevenueFigures):
    account_id: int
    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int
    group_revenue_cents: int

    @property
    def share(self) -> float | None:
        return share(self.revenue_cents, self.group_revenue_cents)


@dataclass
class GroupFigures(RevenueFigures):
    window: Window
    revenue_cents: int
    revenue_prev_cents: int
    margin_cents: int
    members: list[MemberFigures]


def group_figures(account, *, as_of: date) -> GroupFigures:
    """The group's combined revenue, margin and growth in the window as of `as_of`, and each
    account's figures with its share of the group's revenue (largest first), in one query."""
    window = window_as_of(as_of)
    before = window.before()
    ids = account_group_ids(account.pk)
    current = Q(month__gte=window.first_month, month__lte=window.last_month)
    sums = (
        MonthlyFact.objects.filter(
            account_id__in=ids, month__gte=before.first_month, month__lte=window.last_month
        )
        .values("account")
        .annotate(
            now=Sum("revenue_cents", filter=current),
            now_margin=Sum("margin_cents", filter=current),
            prev=Sum("revenue_cents", filter=~current),
        )
        .values_list("account", "now", "now_margin", "prev")
        .order_by()
    )
    rows: dict[int, dict[str, int]] = {
        pk: {"revenue": now or 0, "margin": margin or 0, "prev": prev or 0}
        for pk, now, margin, prev in sums
    }
    total = sum(row["revenue"] for row in rows.values())
    members = [
        MemberFigures(
            account_id=pk,
            revenue_cents=rows.get(pk, {}).get("revenue", 0),
            revenue_prev_cents=rows.get(pk, {}).get("prev", 0),
            margin_cents=rows.get(pk, {}).get("margin", 0),
            group_revenue_cents=total,
        )
        for pk in ids
    ]
    members.sort(key=lambda m: (-m.revenue_cents, m.account_id))
    return GroupFigures(
        window=window,
        revenue_cents=total,
        revenue_prev_cents=sum(m.revenue_prev_cents for m in members),
        margin_cents=sum(m.margin_cents for m in members),
        members=members,
    )


# --- every account's months (the profitability statement)


def monthly_totals_query(
    *, first: date, last: date, account_ids: list[int] | None = None
) -> QuerySet:
    """(account id, month, revenue, margin, invoices, invoice lines, freight, packaging,
    special handling) of every stored month from `first` to `last`, of the given accounts or of
    all: the input of kam.profitability (which sums it in the database)."""
    facts = MonthlyFact.objects.filter(month__gte=first, month__lte=last)
    if account_ids is not None:
        facts = facts.filter(account_id__in=account_ids)
    return facts.order_by().values_list(
        "account_id",
        "month",
        "revenue_cents",
        "margin_cents",
        "invoice_count",
        "line_count",
        *ERP_COST_COLUMNS,
    )


def monthly_totals(
    *, first: date, last: date, account_ids: list[int] | None = None
) -> list[tuple[int, date, int, int, int, int, int, int, int]]:
    """`monthly_totals_query` as a list (a few accounts: the drill-down)."""
    return list(monthly_totals_query(first=first, last=last, account_ids=account_ids))
