"""Computing the statements in the database: sales facts (kam.sales.figures), the recorded cost
drivers kept as facts (kam.profitability.drivers), the drivers derived from sales and
conditions (the apps' `cost_drivers.py`, see kam.core.plugins) and the rates of each month go
in; one row per account and month comes out. The full recomputation and the incremental update
are these few statements over more or fewer accounts and months.

Millions of facts never travel to Python. The rates become two small temporary tables (each
month's logistics rates, and the terms of every kind, detail and role per month, from
`pricing.terms`). The driver facts are priced line by line (the line the rounding applies to,
as in `pricing.price`) and summed per account and month into a temporary table of costs, in
the order of their key (no sort); the few derived drivers are added to it. The sales facts
joined with those costs, and the costs of months without sales, are the fresh statements:
queries that kam.profitability.storage writes from (only what changed).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from kam.core import plugins
from kam.core.db import planner_without
from kam.profitability.drivers import grouped_sql, union_sql
from kam.profitability.models import CostDriverFact, CostRates
from kam.profitability.pricing import (
    HOURS,
    MONEY,
    PIECE,
    PRICED_DETAILS,
    STAGES,
    TIME,
    RateCard,
    terms,
)
from kam.sales import figures

#: The months a full recomputation covers: three years up to the running month.
STATEMENT_MONTHS = 36
MONTHS = "profitability_months"
TERMS = "profitability_terms"
LISTED = "profitability_listed"
COSTS = "profitability_costs"
ONLY = "profitability_costs_only"
#: The temporary tables of a refresh (kept by the connection, emptied before each use).
TEMPORARY = {
    MONTHS: "number INTEGER PRIMARY KEY, first_day DATE NOT NULL UNIQUE,"
    " invoice_cents BIGINT NOT NULL, line_cents BIGINT NOT NULL",
    TERMS: "month INTEGER NOT NULL, kind VARCHAR(40) NOT NULL, detail VARCHAR(40) NOT NULL,"
    " role VARCHAR(40) NOT NULL, stage INTEGER NOT NULL, mode INTEGER NOT NULL,"
    " minutes BIGINT NOT NULL, rate_cents BIGINT NOT NULL,"
    " PRIMARY KEY (month, kind, detail, role)",
    LISTED: "account_id BIGINT NOT NULL, month INTEGER NOT NULL, kind VARCHAR(40) NOT NULL,"
    " detail VARCHAR(40) NOT NULL, role VARCHAR(40) NOT NULL, quantity BIGINT NOT NULL,"
    " amount_cents BIGINT NOT NULL",
    COSTS: "account_id BIGINT NOT NULL, month INTEGER NOT NULL, conditions BIGINT NOT NULL,"
    " care BIGINT NOT NULL, service BIGINT NOT NULL, PRIMARY KEY (account_id, month)",
    ONLY: "account_id BIGINT NOT NULL, month DATE NOT NULL, "
    + ", ".join(f"{name} BIGINT NOT NULL" for name in ("revenue", "db1", "conditions", "care"))
    + ", service BIGINT NOT NULL, erp BIGINT NOT NULL, db2 BIGINT NOT NULL, db3 BIGINT NOT NULL,"
    " db4 BIGINT NOT NULL",
}
#: Above this many accounts' costs the table is dropped after use (not kept in memory).
KEEP_COSTS = 10_000


@dataclass(frozen=True)
class AccountRange:
    """The accounts whose ids lie from `low` (included) up to `high` (excluded); None: no
    bound. A full recomputation split into parts computes one range per part."""

    low: int | None
    high: int | None

    def sql(self, column: str) -> tuple[str, list]:
        """The condition on an account id column, with its parameters ("1 = 1": no bound)."""
        bounds = [(f"{column} >= %s", self.low), (f"{column} < %s", self.high)]
        kept = [(sql, value) for sql, value in bounds if value is not None]
        return " AND ".join(sql for sql, _value in kept) or "1 = 1", [v for _s, v in kept]

    def filter(self, queryset: QuerySet, field: str = "account_id") -> QuerySet:
        if self.low is not None:
            queryset = queryset.filter(**{f"{field}__gte": self.low})
        return queryset if self.high is None else queryset.filter(**{f"{field}__lt": self.high})

    def ids(self) -> QuerySet:
        """The ids of the range's accounts, as a subquery for the apps' `account_ids`."""
        from kam.accounts.models import Account

        return self.filter(Account.objects.order_by(), "pk").values_list("pk", flat=True)


def accounts_sql(column: str, account_ids) -> tuple[str, list]:
    """The condition on an account id column for all accounts (None), a range or a list."""
    if account_ids is None:
        return "1 = 1", []
    if isinstance(account_ids, AccountRange):
        return account_ids.sql(column)
    return f"{column} IN ({', '.join(['%s'] * len(account_ids))})", list(account_ids)


def is_bulk(account_ids) -> bool:
    """All accounts or a range of them: the plans (and memory) of millions of rows."""
    return account_ids is None or isinstance(account_ids, AccountRange)


def _for_apps(window: dict) -> dict:
    """The window as the apps' cost-driver hooks take it (a range as a subquery of ids)."""
    accounts = window["account_ids"]
    if isinstance(accounts, AccountRange):
        return {**window, "account_ids": accounts.ids()}
    return window


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
    for name, columns in TEMPORARY.items():
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns}){_options(name)}")
        cursor.execute(f"DELETE FROM {name}")  # noqa: S608


#: PostgreSQL's memory for the hash joins of a full recomputation (100,000 accounts: about
#: 200 MB of sales facts).
POSTGRES_JOIN_MEMORY = "512MB"
#: SQLite reads the database through a memory map of this size while it recomputes (the
#: statements, facts and costs of 100,000 accounts are far larger than its page cache: every
#: page missed was a read system call, about a tenth of the CPU time).
SQLITE_MAP_BYTES = 2**31


@contextmanager
def mapped_reads(cursor) -> Iterator[None]:
    """In SQLite, reads through a memory map for the duration (then as before)."""
    row = None
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA mmap_size")
        row = cursor.fetchone()  # none for a database in memory
    if row is None:
        yield
        return
    before = row[0]
    cursor.execute(f"PRAGMA mmap_size = {SQLITE_MAP_BYTES}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA mmap_size = {int(before)}")


#: PostgreSQL, all accounts: the priced driver facts are summed after a sort by account and
#: month rather than in a hash table, so the costs come in the order of their key and the
#: temporary table's key grows at its end. Hashed, they came in random order, and each of 1.6
#: million rows went to another page of a key far larger than the connection's 8 MB of
#: temporary buffers: the insert took 7 of the 12 s (100,000 accounts; 2 s sorted). Nor an
#: index scan in key order: it reads the table's pages in random order.
SORTED_PRICING = ("hashagg", "indexscan", "bitmapscan")


def _options(name: str) -> str:
    if connection.vendor == "postgresql":
        return " ON COMMIT DELETE ROWS"
    # Looked up by their key row by row: in SQLite one search finds the whole row.
    return " WITHOUT ROWID" if name in (TERMS, COSTS) else ""


def release_temporary(cursor, rows: int) -> None:
    """Drops the costs of a full recomputation rather than keeping them."""
    if rows > KEEP_COSTS:
        cursor.execute(f"DROP TABLE IF EXISTS {COSTS}")
        cursor.execute(f"DROP TABLE IF EXISTS {ONLY}")


def _fill_rates(cursor, months: list[datetime.date]) -> None:
    from kam.users.models import Role

    cards = rate_cards(months)
    day = connection.ops.adapt_datefield_value
    _insert_rows(
        cursor,
        MONTHS,
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
    _insert_rows(cursor, TERMS, rows)


def _fill_listed(cursor, drivers: list[plugins.CostDriver]) -> None:
    _insert_rows(
        cursor,
        LISTED,
        [
            (d.account_id, figures.month_index(d.month), d.kind, d.detail, d.role or "")
            + (d.quantity, d.amount_cents)
            for d in drivers
        ],
    )


def _insert_rows(cursor, table: str, rows: list[tuple], batch: int = 500) -> None:
    """Rows into a temporary table: COPY on PostgreSQL (psycopg parsed a statement of many
    rows' placeholders anew each time: the rates of one month took about half of an
    incremental update's queries' time), on SQLite many rows per statement."""
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        values = ", ".join(["(" + ", ".join(["%s"] * len(chunk[0])) + ")"] * len(chunk))
        cursor.execute(
            f"INSERT INTO {table} VALUES {values}",  # noqa: S608
            [value for row in chunk for value in row],
        )


def _facts_sql(window: dict) -> tuple[str, list]:
    accounts = window["account_ids"]
    ranged = isinstance(accounts, AccountRange)
    query = figures.monthly_totals_query(
        first=window["first_month"],
        last=window["last_month"],
        account_ids=None if ranged else accounts,
    )
    if ranged:
        query = accounts.filter(query)
    sql, params = query.query.sql_with_params()
    return f"SELECT * FROM ({sql}) AS facts", list(params)  # noqa: S608


def _stage(number: int) -> str:
    return f"SUM(CASE WHEN t.stage = {number} THEN {PRICE} ELSE 0 END)"


#: What one line of drivers `d` costs under its terms `t`.
PRICE = (
    f"CASE t.mode WHEN {MONEY} THEN d.amount_cents WHEN {PIECE} THEN d.quantity * t.rate_cents"
    f" WHEN {TIME} THEN (d.quantity * t.minutes * t.rate_cents + 30) / 60"
    f" WHEN {HOURS} THEN (d.quantity * t.rate_cents + 50) / 100 ELSE 0 END"
)


def _costs_sql(lines: str) -> str:
    """Lines of drivers (account, month, kind, detail, role, quantity, amount) priced and summed
    per account and month into conditions, care and service cost."""
    return (
        f"SELECT d.account_id, d.month, {_stage(0)} AS conditions, {_stage(1)} AS care,"  # noqa: S608
        f" {_stage(2)} AS service FROM ({lines}) AS d LEFT JOIN {TERMS} t ON t.month = d.month"
        " AND t.kind = d.kind AND t.detail = d.detail AND t.role = d.role"
        " GROUP BY d.account_id, d.month"
    )


def _fact_lines(window: dict) -> tuple[str, list]:
    sql = (
        "SELECT account_id, month_index AS month, kind, detail, role, quantity, amount_cents"  # noqa: S608
        f" FROM {connection.ops.quote_name(CostDriverFact._meta.db_table)}"
        " WHERE month_index >= %s AND month_index <= %s"
    )
    params: list = [figures.month_index(window["first_month"])]
    params.append(figures.month_index(window["last_month"]))
    accounts, accounts_params = accounts_sql("account_id", window["account_ids"])
    return f"{sql} AND {accounts}", params + accounts_params


def _derived_lines(window: dict) -> tuple[str, list]:
    """The derived drivers (and the listed ones, in LISTED) summed per line."""
    rows, params = union_sql(plugins.derived_cost_driver_queries(**_for_apps(window)))
    listed = f"SELECT {', '.join(plugins.DRIVER_COLUMNS)} FROM {LISTED}"  # noqa: S608
    return grouped_sql(f"{rows} UNION ALL {listed}" if rows else listed), params


def _fill_costs(cursor, window: dict, *, everything: bool) -> None:
    lines, params = _fact_lines(window)
    # Only the kept driver facts' plan is steered (the derived drivers' queries read other
    # apps' tables through their own indexes).
    with planner_without(cursor, *(SORTED_PRICING if everything else ())):
        cursor.execute(f"INSERT INTO {COSTS} {_costs_sql(lines)}", params)
    lines, params = _derived_lines(window)
    sums = ", ".join(f"{name} = {COSTS}.{name} + EXCLUDED.{name}" for name in STAGES)
    cursor.execute(
        # WHERE true: SQLite's parser would take ON CONFLICT for a join's ON otherwise.
        f"INSERT INTO {COSTS} SELECT * FROM ({_costs_sql(lines)}) AS derived WHERE 1 = 1"  # noqa: S608
        f" ON CONFLICT (account_id, month) DO UPDATE SET {sums}",
        params,
    )


_VALUES = (
    "revenue_cents, db1_cents, conditions, care, service, erp, db1_cents - conditions,"
    " db1_cents - conditions - care, db1_cents - conditions - care - service"
)
#: The ERP's cost figures of a month's lines (sales facts `f`): part of the service cost.
ERP_COSTS = " + ".join(f"f.{column}" for column in figures.ERP_COST_COLUMNS)


def _fresh_sql(window: dict) -> tuple[str, list]:
    """The fresh statements, one query: those of the months with sales (the sales facts with
    their costs) and those of the months with costs only (put into ONLY before)."""
    facts, params = _facts_sql(window)
    sql = (
        f"SELECT account_id, month, {_VALUES} FROM (SELECT f.account_id, f.month,"  # noqa: S608
        " f.revenue_cents, f.margin_cents AS db1_cents, COALESCE(c.conditions, 0) AS conditions,"
        " COALESCE(c.care, 0) AS care, COALESCE(c.service, 0) + f.invoice_count * m.invoice_cents"
        f" + f.line_count * m.line_cents + {ERP_COSTS} AS service, {ERP_COSTS} AS erp"
        f" FROM ({facts}) AS f JOIN {MONTHS} m"
        f" ON m.first_day = f.month LEFT JOIN {COSTS} c ON c.account_id = f.account_id"
        f" AND c.month = m.number) AS sales UNION ALL SELECT * FROM {ONLY}"
    )
    return sql, params


def _everything_sql(window: dict) -> tuple[str, list]:
    """All fresh statements in one query, without the temporary table ONLY: the sales facts
    fully joined with the costs (a cost without sales comes out with zero revenue). For a
    table that nothing needs to be compared with (kam.profitability.fill): each is read once."""
    facts, params = _facts_sql(window)
    sql = (
        f"SELECT account_id, month, {_VALUES} FROM (SELECT"  # noqa: S608
        " COALESCE(f.account_id, c.account_id) AS account_id, COALESCE(f.month, c.first_day)"
        " AS month, COALESCE(f.revenue_cents, 0) AS revenue_cents, COALESCE(f.margin_cents, 0)"
        " AS db1_cents, COALESCE(c.conditions, 0) AS conditions, COALESCE(c.care, 0) AS care,"
        " COALESCE(c.service, 0) + COALESCE(f.invoice_count * f.invoice_cents"
        f" + f.line_count * f.line_cents + {ERP_COSTS}, 0) AS service,"
        f" COALESCE({ERP_COSTS}, 0) AS erp"
        f" FROM (SELECT facts.*, m.number, m.invoice_cents, m.line_cents FROM ({facts}) AS facts"
        f" JOIN {MONTHS} m ON m.first_day = facts.month) AS f FULL JOIN (SELECT costs.*,"
        f" m.first_day FROM {COSTS} costs JOIN {MONTHS} m ON m.number = costs.month) AS c"
        " ON c.account_id = f.account_id AND c.month = f.number) AS statements"
    )
    return sql, params


def _costs_only_sql(window: dict) -> tuple[str, list]:
    """The statements of the months with costs but no sales, into the temporary table ONLY."""
    facts, params = _facts_sql(window)
    sql = (
        f"INSERT INTO {ONLY} SELECT account_id, first_day, {_VALUES} FROM (SELECT c.account_id,"  # noqa: S608
        " m.first_day, 0 AS revenue_cents, 0 AS db1_cents, c.conditions, c.care, c.service,"
        " 0 AS erp"
        f" FROM {COSTS} c JOIN {MONTHS} m ON m.number = c.month WHERE NOT EXISTS (SELECT 1"
        f" FROM ({facts}) AS f WHERE f.account_id = c.account_id AND f.month = m.first_day))"
        " AS costs"
    )
    return sql, params


def _count_sql(window: dict) -> tuple[str, list]:
    facts, params = _facts_sql(window)
    return f"SELECT COUNT(*) FROM ({facts}) AS f", params  # noqa: S608


def _kept_sql(column: str, window: dict) -> tuple[str, list]:
    """Whether an account and month (`column`.account_id, `column`.month) still has a
    statement: sales or costs."""
    facts, params = _facts_sql(window)
    sql = (
        f"(EXISTS (SELECT 1 FROM ({facts}) AS f WHERE f.account_id = {column}.account_id"  # noqa: S608
        f" AND f.month = {column}.month) OR EXISTS (SELECT 1 FROM {COSTS} c"
        f" WHERE c.account_id = {column}.account_id AND c.month ="
        f" (SELECT m.number FROM {MONTHS} m WHERE m.first_day = {column}.month)))"
    )
    return sql, params


@dataclass(frozen=True)
class Fresh:
    """The fresh statements of a window as queries (each SQL with its parameters)."""

    statements: tuple[str, list]  # after costs_only
    everything: tuple[str, list]  # the same statements, with no need of costs_only
    sales_count: tuple[str, list]
    costs_only: tuple[str, list]  # inserts them into ONLY
    kept: Callable[[str], tuple[str, list]]


def compute_fresh(
    cursor, *, first_month: datetime.date, last_month: datetime.date, account_ids
) -> Fresh:
    """Prices the kept driver facts (and the derived drivers) of the months (and accounts) into
    the temporary table COSTS: the fresh statements are then queries over it and the sales
    facts (kam.profitability.storage writes them)."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    _prepare_temporary(cursor)
    _fill_rates(cursor, month_range(first_month, last_month))
    _fill_listed(cursor, plugins.listed_cost_drivers(**_for_apps(window)))
    everything = connection.vendor == "postgresql" and is_bulk(account_ids)
    if everything:
        # The sort of the driver facts and the joins of all accounts hash millions of facts
        # and statements: in memory, not in batches on disk.
        cursor.execute(f"SET LOCAL work_mem = '{POSTGRES_JOIN_MEMORY}'")
    _fill_costs(cursor, window, everything=everything)
    if everything:
        # Temporary tables get no statistics by themselves: without, the planner takes the
        # millions of costs for a few and joins them row by row.
        cursor.execute(f"ANALYZE {MONTHS}, {TERMS}, {COSTS}")
    return Fresh(
        statements=_fresh_sql(window),
        everything=_everything_sql(window),
        sales_count=_count_sql(window),
        costs_only=_costs_only_sql(window),
        kept=lambda column: _kept_sql(column, window),
    )
