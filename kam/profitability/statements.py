"""Computing the statements in the database: sales facts (kam.sales.figures), cost drivers (the
apps' `cost_drivers.py`, see kam.core.plugins) and the rates of each month go in; one row per
account and month comes out. The full recomputation and the incremental update are this one
query over more or fewer accounts and months.

Millions of facts and drivers never travel to Python: the providers hand over querysets, the
rates become two small temporary tables (each month's logistics rates, and the terms of every
kind, detail and role per month, from `pricing.terms`), and one statement groups the drivers
per account, month, kind, detail and role (the line the rounding applies to, as in
`pricing.price`), prices them, adds the facts and sums per account and month into a temporary
table of fresh statements (kam.profitability.storage writes what changed).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from kam.core import plugins
from kam.profitability.models import CostRates
from kam.profitability.pricing import MONEY, PIECE, PRICED_DETAILS, STAGES, TIME, RateCard, terms
from kam.sales import figures

#: The months a full recomputation covers: three years up to the running month.
STATEMENT_MONTHS = 36
FRESH = "profitability_fresh"
MONTHS = "profitability_months"
TERMS = "profitability_terms"
LISTED = "profitability_listed"
_AMOUNTS = ", ".join(
    f"{name} BIGINT NOT NULL"
    for name in ("revenue_cents", "db1_cents", "condition_cost_cents", "care_cost_cents")
    + ("service_cost_cents", "db2_cents", "db3_cents", "db4_cents")
)
#: The temporary tables of a refresh (kept by the connection, emptied before each use).
TEMPORARY = {
    MONTHS: "number INTEGER PRIMARY KEY, first_day DATE NOT NULL, invoice_cents BIGINT NOT NULL,"
    " line_cents BIGINT NOT NULL",
    TERMS: "month INTEGER NOT NULL, kind VARCHAR(40) NOT NULL, detail VARCHAR(40) NOT NULL,"
    " role VARCHAR(40) NOT NULL, stage INTEGER NOT NULL, mode INTEGER NOT NULL,"
    " minutes BIGINT NOT NULL, rate_cents BIGINT NOT NULL,"
    " PRIMARY KEY (month, kind, detail, role)",
    LISTED: "account_id BIGINT NOT NULL, month INTEGER NOT NULL, kind VARCHAR(40) NOT NULL,"
    " detail VARCHAR(40) NOT NULL, role VARCHAR(40) NOT NULL, quantity BIGINT NOT NULL,"
    " amount_cents BIGINT NOT NULL",
    FRESH: f"account_id BIGINT NOT NULL, month DATE NOT NULL, {_AMOUNTS}",
}
#: Above this many fresh statements the table is dropped after use (not kept in memory).
KEEP_FRESH = 10_000


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    count = figures.month_index(last) - figures.month_index(first) + 1
    return figures.months_ending(last, count) if count > 0 else []


def rate_cards(months: Iterable[datetime.date]) -> dict[datetime.date, RateCard | None]:
    """The rates valid in each month (None where leadership has set none)."""
    months = list(months)
    if not months:
        return {}
    first, last = min(months), max(months)
    cards = [
        RateCard.of(rates)
        for rates in CostRates.objects.filter(valid_from__lte=last).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first)
        )
    ]
    return {month: _card_of(cards, month) for month in months}


def _card_of(cards: list[RateCard], month: datetime.date) -> RateCard | None:
    for card in cards:
        if card.valid_from <= month and (card.valid_until is None or month <= card.valid_until):
            return card
    return None


def _prepare_temporary(cursor) -> None:
    """Creates the temporary tables this connection lacks (only it sees them; in PostgreSQL
    they are emptied at each commit) and empties them (a test's transaction never commits)."""
    keep = " ON COMMIT DELETE ROWS" if connection.vendor == "postgresql" else ""
    for name, columns in TEMPORARY.items():
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns}){keep}")
        cursor.execute(f"DELETE FROM {name}")  # noqa: S608
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {FRESH}_key ON {FRESH} (account_id, month)")


def release_temporary(cursor, rows: int) -> None:
    """Drops the fresh statements of a full recomputation rather than keeping them."""
    if rows > KEEP_FRESH:
        cursor.execute(f"DROP TABLE IF EXISTS {FRESH}")


def _fill_rates(cursor, months: list[datetime.date]) -> None:
    from kam.users.models import Role

    cards = rate_cards(months)
    day = connection.ops.adapt_datefield_value
    cursor.executemany(
        f"INSERT INTO {MONTHS} VALUES (%s, %s, %s, %s)",  # noqa: S608
        [
            (figures.month_index(m), day(m), c.invoice_cents if c else 0, c.line_cents if c else 0)
            for m, c in cards.items()
        ],
    )
    rows, roles = [], [*Role.values, ""]
    for month, card in cards.items():
        for kind, detail in PRICED_DETAILS:
            for role in roles:
                t = terms(plugins.CostDriver(0, month, kind, detail, role), card)
                stage = STAGES.index(t.stage)
                row = (figures.month_index(month), kind, detail, role, stage, t.mode)
                rows.append((*row, t.minutes, t.rate_cents))
    cursor.executemany(
        f"INSERT INTO {TERMS} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
        rows,
    )


def _fill_listed(cursor, drivers: list[plugins.CostDriver]) -> None:
    if not drivers:
        return
    cursor.executemany(
        f"INSERT INTO {LISTED} VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
        [
            (d.account_id, figures.month_index(d.month), d.kind, d.detail, d.role or "")
            + (d.quantity, d.amount_cents)
            for d in drivers
        ],
    )


def _drivers_sql(window: dict) -> tuple[str, list]:
    """Every provider's driver rows, one UNION ALL (the Python-computed ones from LISTED)."""
    names = ", ".join(plugins.DRIVER_COLUMNS)
    parts = [f"SELECT {names} FROM {LISTED}"]  # noqa: S608
    params: list = []
    for number, query in enumerate(plugins.cost_driver_queries(**window)):
        sql, query_params = query.query.sql_with_params()
        columns = ", ".join(
            "COALESCE(cd_role, '') AS role" if name == "role" else f"cd_{name} AS {name}"
            for name in plugins.DRIVER_COLUMNS
        )
        parts.append(f"SELECT {columns} FROM ({sql}) AS q{number}")  # noqa: S608
        params += query_params
    return " UNION ALL ".join(parts), params


def _facts_sql(window: dict) -> tuple[str, list]:
    query = figures.monthly_totals_query(
        first=window["first_month"], last=window["last_month"], account_ids=window["account_ids"]
    )
    sql, params = query.query.sql_with_params()
    return f"SELECT * FROM ({sql}) AS facts", list(params)  # noqa: S608


def _stage(number: int) -> str:
    return f"SUM(CASE WHEN stage = {number} THEN cents ELSE 0 END)"


def _statement_sql(window: dict) -> tuple[str, list]:
    """Revenue, DB I, the three kinds of cost and DB II-IV per account and month."""
    drivers, driver_params = _drivers_sql(window)
    facts, fact_params = _facts_sql(window)
    price = (
        f"CASE t.mode WHEN {MONEY} THEN d.amount_cents WHEN {PIECE} THEN d.quantity * t.rate_cents"
        f" WHEN {TIME} THEN (d.quantity * t.minutes * t.rate_cents + 30) / 60 ELSE 0 END"
    )
    grouped = (
        "SELECT account_id, month, kind, detail, role,"  # noqa: S608
        # PostgreSQL sums BIGINTs as NUMERIC: the division below must stay an integer one.
        " CAST(SUM(quantity) AS BIGINT) AS quantity,"
        f" CAST(SUM(amount_cents) AS BIGINT) AS amount_cents FROM ({drivers}) AS driver_rows"
        " GROUP BY account_id, month, kind, detail, role"
    )
    costs = (
        f"SELECT d.account_id, d.month, 0 AS revenue, 0 AS margin, {_stage(0)} AS conditions,"  # noqa: S608
        f" {_stage(1)} AS care, {_stage(2)} AS service FROM (SELECT d.account_id, d.month,"
        f" t.stage, {price} AS cents FROM ({grouped}) AS d LEFT JOIN {TERMS} t"
        " ON t.month = d.month AND t.kind = d.kind AND t.detail = d.detail AND t.role = d.role)"
        " AS d GROUP BY d.account_id, d.month"
    )
    sales = (
        "SELECT f.account_id, m.number AS month, f.revenue_cents AS revenue,"  # noqa: S608
        " f.margin_cents AS margin, 0 AS conditions, 0 AS care,"
        " f.invoice_count * m.invoice_cents + f.line_count * m.line_cents AS service"
        f" FROM ({facts}) AS f JOIN {MONTHS} m ON m.first_day = f.month"
    )
    totals = (
        "SELECT account_id, month, SUM(revenue) AS revenue_cents,"  # noqa: S608
        " SUM(margin) AS db1_cents, SUM(conditions) AS condition_cost_cents,"
        " SUM(care) AS care_cost_cents, SUM(service) AS service_cost_cents"
        f" FROM ({sales} UNION ALL {costs}) AS l GROUP BY account_id, month"
    )
    statement = (
        "SELECT account_id, m.first_day, revenue_cents, db1_cents, condition_cost_cents,"  # noqa: S608
        " care_cost_cents, service_cost_cents, db1_cents - condition_cost_cents,"
        " db1_cents - condition_cost_cents - care_cost_cents,"
        " db1_cents - condition_cost_cents - care_cost_cents - service_cost_cents"
        f" FROM ({totals}) AS totals JOIN {MONTHS} m ON m.number = totals.month"
    )
    return statement, fact_params + driver_params


def compute_fresh(
    cursor, *, first_month: datetime.date, last_month: datetime.date, account_ids
) -> int:
    """Fills the temporary table FRESH with the statements of the months (and accounts): the
    number of statements."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    if connection.vendor == "postgresql":
        # Compiling the month CASEs of every row for the JIT costs more than it saves (measured:
        # 11-13 s of server CPU with it, 9 s without, for 10,000 accounts x 36 months).
        cursor.execute("SET LOCAL jit = off")
    _prepare_temporary(cursor)
    _fill_rates(cursor, month_range(first_month, last_month))
    _fill_listed(cursor, plugins.listed_cost_drivers(**window))
    sql, params = _statement_sql(window)
    cursor.execute(f"INSERT INTO {FRESH} {sql}", params)
    return cursor.rowcount
