"""Monthly account facts, kept current by every import chunk, in the chunk's transaction.

A month without a fact gets the sums of its new lines; a month that had lines already is
recomputed from all its lines instead of adding deltas, which keeps the distinct counts
(invoices, purchase days) exact and makes the refresh idempotent.
"""

import datetime
from collections.abc import Iterable

from django.db import connection

from kam.accounts.models import Account
from kam.core.db import planner_without
from kam.sales import staging
from kam.sales.models import MonthlyFact, SalesLine

#: How each value of a fact sums up lines ``{l}``, in the facts table's column order.
_FACT_VALUES = {
    "revenue_cents": "SUM({l}.net_revenue_cents)",
    "margin_cents": "COALESCE(SUM({l}.margin_cents), 0)",
    "line_count": "COUNT(*)",
    "invoice_count": "COUNT(DISTINCT {l}.invoice_number{bytewise})",
    "purchase_days": "COUNT(DISTINCT {l}.invoice_date)",
    "first_purchase": "MIN({l}.invoice_date)",
    "last_purchase": "MAX({l}.invoice_date)",
    "freight_cents": "COALESCE(SUM({l}.freight_cents), 0)",
    "packaging_cents": "COALESCE(SUM({l}.packaging_cents), 0)",
    "handling_cents": "COALESCE(SUM({l}.handling_cents), 0)",
}
_FACT_COLUMNS = ", ".join(_FACT_VALUES)
_UPSERT = " ON CONFLICT (account_id, month) DO UPDATE SET " + ", ".join(
    f"{column} = excluded.{column}" for column in _FACT_VALUES
)


def _bytewise() -> str:
    """PostgreSQL: the collation that sorts text by its bytes, for sorts whose order nobody
    sees (groups, distinct counts). The database's collation (C.UTF-8 here) sorts through the C
    library and without abbreviated keys: the sums of a chunk took a third more of the server's
    time. Equal strings are equal in both (both are deterministic), so the groups and counts
    are the same."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def _aggregates(lines: str) -> str:
    return ", ".join(value.format(l=lines, bytewise=_bytewise()) for value in _FACT_VALUES.values())


def _insert_facts() -> str:
    return f"INSERT INTO {MonthlyFact._meta.db_table} (account_id, month, {_FACT_COLUMNS}) "  # noqa: S608


def month_totals(table: str) -> str:
    """SQL that sums the staged rows in ``table`` up by customer number and month, as facts.

    A spool's connection runs it beside the import (kam.sales.spool), so that a chunk whose
    rows are all new lines needs no second pass over them.
    """
    bytewise = _bytewise()
    values = ", ".join(
        f"{value.format(l='s', bytewise=bytewise)} AS {column}"
        for column, value in _FACT_VALUES.items()
    )
    month = staging.month_of("s.invoice_date")
    # Grouped bytewise; the number comes out in its column's own collation, as joins expect.
    customer = f"s.customer_number{bytewise}"
    if bytewise:
        customer = f'({customer}) COLLATE "default"'
    return (
        f"SELECT {customer} AS customer_number, {month} AS month, {values} "  # noqa: S608
        f"FROM {table} s GROUP BY s.customer_number{bytewise}, 2"
    )


def resum_totals(totals: str, staged: str, removed: Iterable[tuple]) -> None:
    """Sums the months of the ``removed`` rows (customer number, invoice date) up again in a
    spool's ``totals``, from the rows left in ``staged``.

    A spool sums a chunk up before the merge sorts out the rows whose key came before (0.2 %
    of a realistic export); the months of those rows are summed again, so that the totals stay
    those of the new lines and the facts need no second pass over them (PostgreSQL: 0.6 to
    1.2 s a chunk of 200,000 lines at load 5).
    """
    pairs = sorted({(customer, _month(date)) for customer, date in removed})
    # A date parameter (SQLite keeps dates as text; its CAST AS date would make a number).
    mark = "(%s, CAST(%s AS date))" if connection.vendor == "postgresql" else "(%s, %s)"
    month = staging.month_of("invoice_date")
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), staging.INSERT_BATCH):
            batch = pairs[start : start + staging.INSERT_BATCH]
            marks = ", ".join([mark] * len(batch))
            values = [value for pair in batch for value in pair]
            cursor.execute(
                f"DELETE FROM {totals} WHERE (customer_number, month) IN (VALUES {marks})",  # noqa: S608
                values,
            )
            rows = (
                f"(SELECT * FROM {staged} WHERE (customer_number, {month}) "  # noqa: S608
                f"IN (VALUES {marks}))"
            )
            cursor.execute(f"INSERT INTO {totals} {month_totals(rows)}", values)  # noqa: S608


def _month(date: datetime.date | str) -> str:
    """The ISO first day of the date's month."""
    return (date.isoformat() if isinstance(date, datetime.date) else date)[:8] + "01"


def add_new_lines(last_id_before: int, month_totals_table: str | None = None) -> None:
    """Brings the facts up to date with the lines just inserted (ids above ``last_id_before``).

    The new lines are summed up by account and month once, into the connection's NEW_MONTHS
    table; when every staged row became a new line, a spool has done this already, into
    ``month_totals_table`` (by customer number, see ``month_totals``), and the facts come
    straight from there. A month that has a fact had lines already: it is marked touched and
    recomputed from all its lines by ``refresh_touched``. Any other month gets its sums as its
    fact, by a plain insert: the caller holds the import lock, so no fact of these months
    appears meanwhile (and PostgreSQL's ON CONFLICT would cost a third more per row).
    """
    with connection.cursor() as cursor:
        keyed = staging.fact_key_exists()
        # Without their key (a first import builds it after its lines, with the index by month)
        # the latest month of the facts would take a scan of them all; the months that have a
        # fact are found by a join with them instead (_with_facts).
        latest = _latest_month(cursor) if keyed else None
        if month_totals_table:
            _facts_from_totals(cursor, month_totals_table, latest)
            return
        _sum_new_lines(cursor, last_id_before, latest)
        cursor.execute(
            f"INSERT INTO {staging.TOUCHED} (account_id, month) "  # noqa: S608
            f"SELECT account_id, month FROM {staging.NEW_MONTHS} WHERE has_fact "
            "ON CONFLICT DO NOTHING"
        )
        fresh = f"SELECT account_id, month, {_FACT_COLUMNS} FROM {staging.NEW_MONTHS} "  # noqa: S608
        cursor.execute(_insert_facts() + fresh + "WHERE NOT has_fact")


#: The latest month of the facts when there are none: no month is on or before it.
NO_MONTH = datetime.date(1, 1, 1)


def _latest_month(cursor) -> datetime.date | str:
    """The latest month that has a fact (its index's last entry), NO_MONTH if none has."""
    cursor.execute(f"SELECT MAX(month) FROM {MonthlyFact._meta.db_table}")  # noqa: S608
    (latest,) = cursor.fetchone()
    return NO_MONTH if latest is None else latest


def _has_fact(account_id: str, month: str) -> str:
    """SQL: whether the account's month has a fact; a parameter, the latest month that has one
    (``_latest_month``), spares the lookup for every later month."""
    return (
        f"({month} <= %s AND EXISTS (SELECT 1 FROM {MonthlyFact._meta.db_table} f "  # noqa: S608
        f"WHERE f.account_id = {account_id} AND f.month = {month}))"
    )


def _mark_months_with_facts(cursor, latest: datetime.date | str) -> None:
    """Marks the summed months of NEW_MONTHS that have a fact, looked up one by one in the
    facts' key; ``latest``, the latest month that has a fact (``_latest_month``), spares the
    lookup for every later month: most months of an export sorted by date, or of a month's
    export into the history (PostgreSQL, 1,000,000 lines: 0.6 of the server's 2.6 s for the
    facts of new months).

    A statement of its own after the sums: inside them, PostgreSQL hashed every fact up to
    ``latest`` for the few months that needed a lookup (the realistic next export, 26,000 months
    summed a chunk: 0.15 of the statement's 0.25 s)."""
    with planner_without(cursor, "hashjoin", "mergejoin"):
        cursor.execute(
            f"UPDATE {staging.NEW_MONTHS} SET has_fact = true "  # noqa: S608
            f"WHERE {_has_fact(f'{staging.NEW_MONTHS}.account_id', f'{staging.NEW_MONTHS}.month')}",
            [latest],
        )


def _with_facts(rows: str, account_id: str, month: str) -> str:
    """SQL: ``rows`` joined with the facts of their account and month, where those have no key
    to look a month up by (a first import builds it after its lines,
    kam.sales.staging.defer_indexes): one scan of the facts with a hash of the rows. (As an
    EXISTS, PostgreSQL made the facts unique by a hash of all of them first, 0.2 s a chunk.)
    The importer keeps one fact per account and month, so the join repeats no row."""
    return (
        f"{rows} JOIN {MonthlyFact._meta.db_table} f "  # noqa: S608
        f"ON f.account_id = {account_id} AND f.month = {month}"
    )


def _sum_new_lines(cursor, last_id_before: int, latest: datetime.date | str | None) -> None:
    """``latest``: the latest month that has a fact; None: the facts have no key yet."""
    # SQLite would walk the (account, month) index of all lines for their order and pick out
    # the new ones; reading just the new ones by id and sorting them takes half the time.
    only_by_id = "" if connection.vendor == "postgresql" else " NOT INDEXED"
    with planner_without(cursor, "seqscan"):  # the new lines are found by id
        cursor.execute(
            f"INSERT INTO {staging.NEW_MONTHS} (account_id, month, {_FACT_COLUMNS}, has_fact) "  # noqa: S608
            f"SELECT n.account_id, n.invoice_month, {_aggregates('n')}, false "
            f"FROM {SalesLine._meta.db_table} n{only_by_id} WHERE n.id > %s "
            "GROUP BY n.account_id, n.invoice_month",
            [last_id_before],
        )
    if latest is not None:
        _mark_months_with_facts(cursor, latest)
        return
    cursor.execute(
        f"UPDATE {staging.NEW_MONTHS} n SET has_fact = true "  # noqa: S608
        f"FROM {MonthlyFact._meta.db_table} f "
        "WHERE f.account_id = n.account_id AND f.month = n.month"
    )


def _facts_from_totals(cursor, table: str, latest: datetime.date | str | None) -> None:
    """The facts of months that have none, from a chunk's totals; the others are touched.
    ``latest``: the latest month that has a fact; None: the facts have no key yet.

    Without the NEW_MONTHS table in between: a fifth less of the database's time (PostgreSQL,
    68,765 months of 200,000 lines: 0.73 instead of 0.94 s at load 5). The facts are looked
    up once: a month touched has a fact (or is recomputed from its lines anyway,
    ``refresh_touched``), every other month gets its fact from the totals.
    """
    totals = f"{table} m JOIN {Account._meta.db_table} a ON a.customer_number = m.customer_number"
    if latest is not None:
        with_fact, parameters = f"{totals} WHERE {_has_fact('a.id', 'm.month')}", [latest]
    else:
        with_fact, parameters = _with_facts(totals, "a.id", "m.month"), []
    cursor.execute(
        f"INSERT INTO {staging.TOUCHED} (account_id, month) "  # noqa: S608
        f"SELECT a.id, m.month FROM {with_fact} ON CONFLICT DO NOTHING",
        parameters,
    )
    values = ", ".join(f"m.{column}" for column in _FACT_VALUES)
    fresh = f"SELECT a.id, m.month, {values} FROM {totals}"  # noqa: S608
    if not staging.has_rows(cursor, staging.TOUCHED):
        # No month of the chunk has a fact (most chunks of a first import): PostgreSQL sorted
        # the totals to find none in the empty table, 0.15 of a chunk's 0.5 s for its facts.
        cursor.execute(_insert_facts() + fresh)
        return
    touched = (
        f" WHERE NOT EXISTS (SELECT 1 FROM {staging.TOUCHED} t "  # noqa: S608
        "WHERE t.account_id = a.id AND t.month = m.month)"
    )
    with planner_without(cursor, "mergejoin"):  # the few touched months hashed, not sorted
        cursor.execute(_insert_facts() + fresh + touched)


def refresh_touched(*, lines_may_have_moved: bool, lines_after: int = 0) -> None:
    """Recomputes the facts of the pairs in the connection's touched table from their lines.

    The aggregate walks the (account, month) index of the lines for exactly those pairs and
    upserts; only when lines changed their account or month (an ERP correction) can a pair end
    up without lines, and then its fact is deleted. The touched pairs are a chunk's at most,
    while the lines are all lines: the CROSS JOIN keeps SQLite from scanning them all, and
    PostgreSQL, whose statistics after a bulk load still count far fewer lines, is kept from
    hashing them all.

    ``lines_after``: a line id below the lines of the touched pairs, if the caller knows one
    (the first import of a file sorted by date: the chunks that have the touched months). Without
    the index the lines after it are read by id instead of all lines. Without the index and
    such an id, the pairs are put off until the index is there (``refresh_put_off``).
    """
    lines = SalesLine._meta.db_table
    facts = MonthlyFact._meta.db_table
    indexed = staging.account_index_exists()
    by_id = not indexed and lines_after > 0
    if not indexed and not by_id:
        _put_off_touched()
        return
    # Without the index (a first import that builds it at its end, staging.defer_indexes)
    # one scan of the lines after ``lines_after`` with a hash of the touched pairs.
    planner_off: tuple[str, ...] = (
        ("hashjoin", "mergejoin") if indexed else ("nestloop", "mergejoin")
    )
    if by_id:
        planner_off += ("seqscan",)  # the lines after it by their id
    with (
        connection.cursor() as cursor,
        planner_without(cursor, *planner_off),
    ):
        touched_months = (
            f"SELECT t.account_id, t.month, {_aggregates('l')} "  # noqa: S608
            f"FROM {staging.TOUCHED} t CROSS JOIN {lines} l "
            "WHERE l.account_id = t.account_id AND l.invoice_month = t.month "
            + ("AND l.id > %s " if by_id else "")
            + "GROUP BY t.account_id, t.month "
        )
        parameters = [lines_after] if by_id else None
        if not staging.fact_key_exists():
            # No key to upsert by (a first import builds it after its lines): the touched
            # months' facts are replaced, and a month left without lines keeps none.
            cursor.execute(
                f"DELETE FROM {facts} f USING {staging.TOUCHED} t "  # noqa: S608
                "WHERE f.account_id = t.account_id AND f.month = t.month"
            )
            cursor.execute(_insert_facts() + touched_months, parameters)
            return
        cursor.execute(_insert_facts() + touched_months + _UPSERT, parameters)
        if lines_may_have_moved:
            cursor.execute(
                f"""
                DELETE FROM {facts} WHERE EXISTS (
                    SELECT 1 FROM {staging.TOUCHED} t
                    WHERE t.account_id = {facts}.account_id AND t.month = {facts}.month
                ) AND NOT EXISTS (
                    SELECT 1 FROM {lines} l
                    WHERE l.account_id = {facts}.account_id AND l.invoice_month = {facts}.month
                )
                """  # noqa: S608
            )


def _put_off_touched() -> None:
    """Keeps the touched pairs for ``refresh_put_off``, their facts as they are until then.

    Without the lines' index by account (a first import, staging.defer_indexes) each chunk's
    recompute scanned every line stored for its few pairs: an export sorted by customer, whose
    chunks share no month but for a line that comes far from its customer's (a repeat of a
    line rejected before), spent 0.1-0.2 s a chunk on two or three pairs (PostgreSQL, 200,000
    lines a chunk). A first import killed before its end leaves them stale; the next import
    makes the missing index and recomputes all facts (``refresh_all``).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {staging.PUT_OFF} (account_id, month) "  # noqa: S608
            f"SELECT account_id, month FROM {staging.TOUCHED} ON CONFLICT DO NOTHING"
        )


def refresh_put_off() -> None:
    """Recomputes the facts of the pairs put off while the lines had no index by account (in
    the transaction that built it, staging.build_deferred_indexes)."""
    with connection.cursor() as cursor:
        if not staging.has_rows(cursor, staging.PUT_OFF):
            return
        cursor.execute(f"DELETE FROM {staging.TOUCHED}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {staging.TOUCHED} (account_id, month) "  # noqa: S608
            f"SELECT account_id, month FROM {staging.PUT_OFF}"
        )
        cursor.execute(f"DELETE FROM {staging.PUT_OFF}")  # noqa: S608
    refresh_touched(lines_may_have_moved=False)


def refresh_all() -> None:
    """Recomputes every fact from the lines (after a first import that was killed with facts
    put off, see ``_put_off_touched``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MonthlyFact._meta.db_table}")  # noqa: S608
        cursor.execute(
            _insert_facts() + f"SELECT l.account_id, l.invoice_month, {_aggregates('l')} "  # noqa: S608
            f"FROM {SalesLine._meta.db_table} l GROUP BY l.account_id, l.invoice_month"
        )
