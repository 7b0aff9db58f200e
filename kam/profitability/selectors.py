"""Reads of the stored statements for pages, exports and the API.

Every read is scoped by `accounts_visible_to(user)`; whether the user may see contribution
figures at all (`can_view_margins`) is the caller's first question (views, API, panel). The
window is the facts reader's: the last 12 complete months as of a date (kam.sales.figures).
Groups are rolled up at read time over `account_group_ids`, so moving an account into a group
needs no recomputation; rankings count each account on its own (a group would count twice).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids, accounts_visible_to
from kam.analysis.selectors import latest_results_for
from kam.core import permissions
from kam.core.money import cents_to_decimal
from kam.core.plugins import contact_loads, cost_driver_kinds_provided
from kam.profitability.models import AccountStatement, CareEntitlement, StatementRefresh
from kam.sales import figures
from kam_analytics.profitability import (
    WhaleCurve,
    cadence_served,
    care_entitlement_cents,
    is_over_served,
    is_under_served,
    whale_curve,
)

AMOUNTS = (
    "revenue_cents",
    "db1_cents",
    "condition_cost_cents",
    "care_cost_cents",
    "service_cost_cents",
    "erp_cost_cents",
    "db2_cents",
    "db3_cents",
    "db4_cents",
)
#: Key account statuses whose care far below their entitlement makes them under-served (as
#: do the latest analysis's A accounts by revenue and the accounts its forecast sees rising).
UNDER_SERVED_STATUSES = ("key_account", "strategic")


@dataclass
class Figures:
    """Revenue, DB I-IV and the three kinds of cost of an account, a group or a sum, in cents."""

    revenue_cents: int = 0
    db1_cents: int = 0
    condition_cost_cents: int = 0
    care_cost_cents: int = 0
    service_cost_cents: int = 0
    erp_cost_cents: int = 0  # of the service cost: the ERP's freight, packaging, handling
    db2_cents: int = 0
    db3_cents: int = 0
    db4_cents: int = 0

    @classmethod
    def of(cls, values: dict) -> Figures:
        return cls(**{name: int(values.get(name) or 0) for name in AMOUNTS})

    def add(self, other: Figures) -> None:
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __getattr__(self, name: str) -> Decimal | None:
        """`revenue`, `db4`, `care_cost` …: the cents as euros (for templates and exports)."""
        if name.startswith("_") or f"{name}_cents" not in AMOUNTS:
            raise AttributeError(name)
        return cents_to_decimal(getattr(self, f"{name}_cents"))

    @property
    def db4_rate(self) -> float | None:
        return figures.margin_rate(self.db4_cents, self.revenue_cents)

    @property
    def db3_rate(self) -> float | None:
        return figures.margin_rate(self.db3_cents, self.revenue_cents)

    @property
    def care_per_revenue(self) -> float | None:
        """Care cost per euro of revenue."""
        return figures.margin_rate(self.care_cost_cents, self.revenue_cents)

    @property
    def care_per_thousand(self) -> Decimal | None:
        """Care cost per 1,000 € of revenue, in euros to the cent (None without revenue)."""
        return _per_thousand(self.care_cost_cents, self.revenue_cents)

    @property
    def cost_to_serve_per_thousand(self) -> Decimal | None:
        """Care and service cost per 1,000 € of revenue, in euros to the cent."""
        return _per_thousand(self.care_cost_cents + self.service_cost_cents, self.revenue_cents)

    def steps(self) -> list[tuple[str, int]]:
        """The waterfall: DB I, the three costs (negative), DB IV; where the ERP's export
        brought freight, packaging or handling, that part of the service cost is a step of its
        own."""
        erp = [("erp", -self.erp_cost_cents)] if self.erp_cost_cents else []
        return [
            ("db1", self.db1_cents),
            ("conditions", -self.condition_cost_cents),
            ("care", -self.care_cost_cents),
            ("service", -(self.service_cost_cents - self.erp_cost_cents)),
            *erp,
            ("db4", self.db4_cents),
        ]


def _per_thousand(cost_cents: int, revenue_cents: int) -> Decimal | None:
    if revenue_cents <= 0:
        return None
    # cents per 1,000 € = cost_cents x 1,000 / (revenue_cents / 100)
    per_thousand = (Decimal(cost_cents) * 100_000 / Decimal(revenue_cents)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return cents_to_decimal(int(per_thousand))


def _sums(statements: QuerySet[AccountStatement]) -> dict:
    return statements.aggregate(**{name: Sum(name) for name in AMOUNTS})


def statements_of(
    account_ids: list[int], *, first: datetime.date, last: datetime.date
) -> QuerySet[AccountStatement]:
    return AccountStatement.objects.filter(
        account_id__in=account_ids, month__gte=first, month__lte=last
    )


#: The kinds of special-condition cost DB II should subtract.
CONDITION_DETAILS = ("bonus", "discount")


def conditions_coverage() -> str:
    """Which special-condition cost some installed app delivers: "full", "bonus" (the bonus
    only, no discounts below list price yet) or "none" (DB II equals DB I)."""
    provided = cost_driver_kinds_provided()
    if "special_condition" in provided:
        return "full"
    found = [d for d in CONDITION_DETAILS if f"special_condition:{d}" in provided]
    if len(found) == len(CONDITION_DETAILS):
        return "full"
    return "bonus" if "bonus" in found else "none"


def conditions_recorded() -> str:
    return conditions_coverage()


def last_refresh() -> StatementRefresh | None:
    return StatementRefresh.objects.filter(pk=1, finished_at__isnull=False).first()


@dataclass
class MonthRow:
    month: datetime.date
    figures: Figures


@dataclass
class AccountStatementView:
    """An account's statement for the account page and the statement page."""

    account: Account
    window: figures.Window
    months: list[MonthRow]
    total: Figures
    total_before: Figures
    group_total: Figures | None
    group_size: int
    conditions_recorded: str = field(default_factory=conditions_coverage)


def figures_by_owner(
    *, user, first: datetime.date, last: datetime.date, account_q: Q | None = None
) -> dict[int | None, Figures]:
    """The statements' sums in the months `first` to `last` per owner of the accounts the
    user sees (narrowed by `account_q`, a condition on the statement's `account__`), in one
    query: the KPI table per key account manager. Accounts without an owner sum under None."""
    sees_all = permissions.can_see_all_accounts(user)
    if sees_all and not account_q:
        return _every_owners_figures(first, last)
    statements = AccountStatement.objects.filter(month__gte=first, month__lte=last)
    if account_q:
        statements = statements.filter(account_q)
    if not sees_all:
        statements = statements.filter(account__in=accounts_visible_to(user))
    rows = (
        statements.values("account__owner")
        .annotate(**{name: Sum(name) for name in AMOUNTS})
        .order_by()
    )
    return {row["account__owner"]: Figures.of(dict(row)) for row in rows}


def _every_owners_figures(first: datetime.date, last: datetime.date) -> dict[int | None, Figures]:
    """`figures_by_owner` of every account: summed per account first, then per owner, so the
    database reads the months' statements once in month order instead of looking up each
    account's months (100,000 accounts x 12 months on SQLite: 1.2 instead of 2.3 CPU s)."""
    inner = ", ".join(f"SUM({name}) AS {name}" for name in AMOUNTS)
    outer = ", ".join(f"SUM(x.{name})" for name in AMOUNTS)
    # Only fixed column and table names go into the text; the months are parameters.
    sql = (
        f"SELECT a.owner_id, {outer} FROM (SELECT account_id, {inner} "  # noqa: S608
        f"FROM {AccountStatement._meta.db_table} WHERE month >= %s AND month <= %s "
        f"GROUP BY account_id) x INNER JOIN {Account._meta.db_table} a ON a.id = x.account_id "
        "GROUP BY a.owner_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])
        rows = cursor.fetchall()
    return {owner: Figures.of(dict(zip(AMOUNTS, sums, strict=True))) for owner, *sums in rows}


def month_rows(account_ids: list[int], window: figures.Window) -> list[MonthRow]:
    by_month: dict[datetime.date, Figures] = {month: Figures() for month in window.month_list}
    statements = statements_of(account_ids, first=window.first_month, last=window.last_month)
    for statement in statements.values(*AMOUNTS, "month"):
        by_month[statement["month"]].add(Figures.of(statement))
    return [MonthRow(month, by_month[month]) for month in window.month_list]


def account_statement(*, account: Account, as_of: datetime.date) -> AccountStatementView:
    """The account's 12 months, their sum, the 12 months before, and the group's sum."""
    window = figures.window_as_of(as_of)
    before = window.before()
    group_ids = account_group_ids(account.pk)
    months = month_rows([account.pk], window)
    total = Figures()
    for row in months:
        total.add(row.figures)
    return AccountStatementView(
        account=account,
        window=window,
        months=months,
        total=total,
        total_before=Figures.of(
            _sums(statements_of([account.pk], first=before.first_month, last=before.last_month))
        ),
        group_total=Figures.of(
            _sums(statements_of(group_ids, first=window.first_month, last=window.last_month))
        )
        if len(group_ids) > 1
        else None,
        group_size=len(group_ids),
    )


def account_month(*, account: Account, month: datetime.date) -> Figures:
    return Figures.of(_sums(statements_of([account.pk], first=month, last=month)))


# --- rankings: the whale curve, over- and under-served accounts


@dataclass
class AccountProfit:
    account: Account
    figures: Figures
    entitlement_cents: int = 0
    over_served: bool = False
    under_served: bool = False
    cumulative_cents: int = 0
    rank: int = 0
    contacts: int = 0
    contact_target: float | None = None  # contacts the cadence asks for in the window
    over_cadence: bool = False
    under_cadence: bool = False
    a_account: bool = False  # class A by revenue in the latest analysis
    rising: bool = False  # the latest forecast sees it rising into the top group

    @property
    def entitlement(self) -> Decimal | None:
        return cents_to_decimal(self.entitlement_cents)

    @property
    def cumulative(self) -> Decimal | None:
        return cents_to_decimal(self.cumulative_cents)

    @property
    def care_excess(self) -> Decimal | None:
        return cents_to_decimal(self.figures.care_cost_cents - self.entitlement_cents)


def entitlement_shares() -> dict[str, Fraction]:
    return {
        status: Fraction(share)
        for status, share in CareEntitlement.objects.values_list("account_status", "share_percent")
    }


def portfolio(*, user, owner_id: int | None = None, q: str = "") -> QuerySet[Account]:
    """The accounts a ranking covers: those the user sees, optionally of one manager."""
    accounts = accounts_visible_to(user)
    if owner_id:
        accounts = accounts.filter(owner_id=owner_id)
    if q:
        accounts = accounts.filter(Q(name__icontains=q) | Q(customer_number__icontains=q))
    return accounts


def profit_ranking(*, accounts: QuerySet[Account], window: figures.Window) -> list[AccountProfit]:
    """Every account with a statement in the window, ranked by DB IV (most profitable first),
    with the cumulative DB IV of the whale curve and whether it is over- or under-served."""
    sums = (
        AccountStatement.objects.filter(
            account__in=accounts, month__gte=window.first_month, month__lte=window.last_month
        )
        .values("account_id")
        .annotate(**{name: Sum(name) for name in AMOUNTS})
        .order_by()
    )
    by_account = {row["account_id"]: Figures.of(dict(row)) for row in sums}
    found = Account.objects.filter(pk__in=by_account).select_related("owner").in_bulk()
    shares = entitlement_shares()
    analysed = a_accounts_and_risers(accounts)
    ranking = []
    for account_id, account_figures in by_account.items():
        row = AccountProfit(account=found[account_id], figures=account_figures)
        row.a_account, row.rising = analysed.get(account_id, (False, False))
        ranking.append(_judged(row, shares))
    return _ranked(ranking)


def a_accounts_and_risers(accounts: QuerySet[Account]) -> dict[int, tuple[bool, bool]]:
    """Of `accounts`, those the latest analysis classed A by revenue or whose forecast rises
    into the top group: (A account, rising) per account id."""
    rows = (
        latest_results_for(accounts)
        .filter(Q(abc_revenue="A") | Q(forecast_riser=True))
        .values_list("account_id", "abc_revenue", "forecast_riser")
    )
    return {account_id: (abc == "A", rising) for account_id, abc, rising in rows}


def _judged(row: AccountProfit, shares: dict[str, Fraction]) -> AccountProfit:
    values, status = row.figures, row.account.status
    row.entitlement_cents = entitled = care_entitlement_cents(
        values.db1_cents, shares.get(status, Fraction(0))
    )
    row.over_served = values.care_cost_cents > 0 and is_over_served(
        care_cost_cents=values.care_cost_cents, entitlement_cents=entitled
    )
    deserves_care = status in UNDER_SERVED_STATUSES or row.a_account or row.rising
    row.under_served = deserves_care and is_under_served(
        care_cost_cents=values.care_cost_cents, entitlement_cents=entitled
    )
    return row


def _ranked(ranking: list[AccountProfit]) -> list[AccountProfit]:
    ranking.sort(key=lambda row: row.account.name.casefold())
    curve = whale_curve([row.figures.db4_cents for row in ranking])
    ordered = [ranking[int(index)] for index in curve.order]
    for rank, (row, cumulative) in enumerate(zip(ordered, curve.cumulative.tolist(), strict=True)):
        row.rank, row.cumulative_cents = rank + 1, cumulative
    return ordered


@dataclass
class WhaleSummary:
    accounts: int
    total_cents: int
    peak_cents: int
    peak_accounts: int
    peak_account_share: float
    peak_profit_share: float | None
    destroyers: int
    destroyed_cents: int

    @property
    def total(self) -> Decimal | None:
        return cents_to_decimal(self.total_cents)

    @property
    def peak(self) -> Decimal | None:
        return cents_to_decimal(self.peak_cents)

    @property
    def destroyed(self) -> Decimal | None:
        return cents_to_decimal(self.destroyed_cents)


def whale_summary(ranking: list[AccountProfit]) -> WhaleSummary:
    curve: WhaleCurve = whale_curve([row.figures.db4_cents for row in ranking])
    return WhaleSummary(
        accounts=len(ranking),
        total_cents=curve.total,
        peak_cents=curve.peak,
        peak_accounts=curve.peak_accounts,
        peak_account_share=curve.peak_account_share,
        peak_profit_share=curve.peak_profit_share,
        destroyers=curve.destroyers,
        destroyed_cents=sum(min(row.figures.db4_cents, 0) for row in ranking),
    )


#: Points the whale chart draws at most (the table has every account).
WHALE_POINTS = 1000


def whale_chart(ranking: list[AccountProfit]) -> dict:
    """The curve's points (share of accounts in %, cumulative DB IV in euros) with the account
    names (escaped by the chart, kam.escapeHtml); a long curve is thinned to WHALE_POINTS,
    keeping its peak and its end."""
    count = len(ranking)
    step = max(1, -(-count // WHALE_POINTS))
    keep = set(range(0, count, step)) | {count - 1}
    if ranking:
        keep.add(max(range(count), key=lambda i: ranking[i].cumulative_cents))
    rows = [ranking[i] for i in sorted(keep) if i >= 0]
    return {  # the curve starts at the origin: no account, no profit
        "kind": "whale",
        "points": [[0, 0]]
        + [[round(100 * row.rank / count, 2), row.cumulative_cents / 100] for row in rows],
        "names": [""] + [row.account.name for row in rows],
        "profits": [0] + [row.figures.db4_cents / 100 for row in rows],
    }


def waterfall_chart(values: Figures, labels: dict[str, str]) -> dict:
    """DB I, the costs stepping down, DB IV: bars floating from the previous level."""
    steps = values.steps()
    bases, heights, level = [], [], 0
    for name, cents in steps:
        if name in ("db1", "db4"):
            bases.append(min(cents, 0) / 100)
            heights.append(abs(cents) / 100)
            level = cents
            continue
        after = level + cents
        bases.append(min(level, after) / 100)
        heights.append(abs(cents) / 100)
        level = after
    return {
        "kind": "waterfall",
        "categories": [labels[name] for name, _cents in steps],
        "bases": bases,
        "heights": heights,
        "values": [cents / 100 for _name, cents in steps],
    }


def over_served(ranking: list[AccountProfit]) -> list[AccountProfit]:
    rows = [row for row in ranking if row.over_served]
    return sorted(rows, key=lambda row: row.entitlement_cents - row.figures.care_cost_cents)


def under_served(ranking: list[AccountProfit]) -> list[AccountProfit]:
    rows = [row for row in ranking if row.under_served]
    return sorted(rows, key=lambda row: row.figures.care_cost_cents - row.entitlement_cents)


def judge_cadence(ranking: list[AccountProfit], window: figures.Window) -> list[AccountProfit]:
    """Adds each account's contacts in the window against its cadence and whether that makes
    it over-served (more contacts than the cadence asks for, DB IV low) or under-served (fewer,
    DB IV high); "low" and "high" are the least and most profitable third of `ranking`."""
    loads = contact_loads(
        accounts=[row.account for row in ranking],
        first_day=window.first_month,
        last_day=window.end,
    )
    for row in ranking:
        if (load := loads.get(row.account.pk)) is not None:
            row.contacts, row.contact_target = load.contacts, load.target
    served = cadence_served(
        [row.figures.db4_cents for row in ranking],
        [row.contacts for row in ranking],
        [float("nan") if row.contact_target is None else row.contact_target for row in ranking],
    )
    for row, over, under in zip(ranking, served.over, served.under, strict=True):
        row.over_cadence, row.under_cadence = bool(over), bool(under)
    return ranking


def over_cadence(ranking: list[AccountProfit]) -> list[AccountProfit]:
    """Over-served by cadence, the most contacts per contact asked for first."""
    rows = [row for row in ranking if row.over_cadence]
    return sorted(rows, key=lambda row: -row.contacts / (row.contact_target or 1))


def under_cadence(ranking: list[AccountProfit]) -> list[AccountProfit]:
    """Under-served by cadence, the fewest contacts per contact asked for first."""
    rows = [row for row in ranking if row.under_cadence]
    return sorted(rows, key=lambda row: row.contacts / (row.contact_target or 1))
