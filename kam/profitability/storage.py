"""Storing computed statements: only the rows that changed are written.

A recomputation usually finds almost every account and month as it was (the nightly job, a
rate change that touches a few months), so the fresh statements (the queries of
kam.profitability.statements) are written so: a new account and month is inserted, a stored
one updated only where a figure differs (SQLite: one upsert; PostgreSQL: one MERGE, as its
upsert would lock every row it meets).
Stored rows of the months (and accounts) that have neither sales nor costs any more are
deleted (looked for only when more rows are stored than there are fresh statements).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.db import connection

from kam.core.db import analyze, planner_without
from kam.profitability.models import AccountStatement
from kam.profitability.statements import Fresh, accounts_sql, is_bulk

VALUES = (
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


@dataclass(frozen=True)
class Stored:
    written: int  # statements inserted or changed
    deleted: int
    rows: int  # statements of the months (and accounts) now stored


def _table() -> str:
    return connection.ops.quote_name(AccountStatement._meta.db_table)


def _write(cursor, query: tuple[str, list], *, account_ids) -> int:
    """Writes the statements of the query that are new or differ from the stored ones."""
    if connection.vendor == "postgresql":
        return _merge(cursor, query, account_ids=account_ids)
    return _upsert(cursor, query)


def _merge(cursor, query: tuple[str, list], *, account_ids) -> int:
    """PostgreSQL: one MERGE that updates the stored rows that differ and inserts the new ones.
    (Its upsert would lock, that is write, every stored row it meets; an update and an insert
    would compute the fresh statements twice.) All accounts: its source is just the new and
    changed statements, found by one join that reads the stored rows whole, in the order of the
    table; a MERGE of all fresh statements fetched each matched stored row by its address to
    compare it, in random order (3.2 million fetches, most of its time). One account: the
    fresh statements themselves (that join took 10 ms to plan, the lookups take microseconds).
    A range of accounts joins only its stored rows (the planner does not carry the range over
    the join: each part hashed all 3.2 million)."""
    table, (sql, params) = _table(), query
    columns = ("account_id", "month", *VALUES)
    names = ", ".join(columns)
    changes = ", ".join(f"{name} = f.{name}" for name in VALUES)
    source = f"SELECT * FROM ({sql}) AS x ({names})"  # noqa: S608
    condition = " OR ".join(f"s.{name} <> f.{name}" for name in VALUES)
    if is_bulk(account_ids):
        stored, stored_params = accounts_sql("s.account_id", account_ids)
        source = (
            f"SELECT f.* FROM ({source}) AS f LEFT JOIN {table} AS s"  # noqa: S608
            f" ON s.account_id = f.account_id AND s.month = f.month AND {stored}"
            f" WHERE s.account_id IS NULL OR {condition}"
        )
        params, condition = [*params, *stored_params], "true"
    cursor.execute(
        f"MERGE INTO {table} AS s USING ({source}) AS f"  # noqa: S608
        " ON s.account_id = f.account_id AND s.month = f.month"
        f" WHEN MATCHED AND ({condition}) THEN UPDATE SET {changes}"
        f" WHEN NOT MATCHED THEN INSERT ({names})"
        f" VALUES ({', '.join(f'f.{name}' for name in columns)})",
        params,
    )
    return cursor.rowcount


def _insert_all(cursor, query: tuple[str, list]) -> int:
    """Into months (and accounts) without stored statements: all are new."""
    table, (sql, params) = _table(), query
    cursor.execute(
        f"INSERT INTO {table} (account_id, month, {', '.join(VALUES)})"  # noqa: S608
        f" SELECT * FROM ({sql}) AS fresh",
        params,
    )
    return cursor.rowcount


def _upsert(cursor, query: tuple[str, list]) -> int:
    """SQLite: one pass, an unchanged row is not written."""
    table, (sql, params) = _table(), query
    changes = ", ".join(f"{name} = EXCLUDED.{name}" for name in VALUES)
    differs = " OR ".join(f"{table}.{name} <> EXCLUDED.{name}" for name in VALUES)
    cursor.execute(
        # WHERE 1 = 1: SQLite's parser would take ON CONFLICT for a join's ON otherwise.
        f"INSERT INTO {table} (account_id, month, {', '.join(VALUES)})"  # noqa: S608
        f" SELECT * FROM ({sql}) AS fresh WHERE 1 = 1 ON CONFLICT (account_id, month)"
        f" DO UPDATE SET {changes} WHERE {differs}",
        params,
    )
    return cursor.rowcount


def _truncate_if_empty(cursor) -> bool:
    """PostgreSQL, all accounts into a window without statements: a table without a single live
    row is truncated, not merely filled. Its deleted rows (an emptied table that no vacuum has
    seen yet) share the keys of the new ones, and each insert would look each up in the heap
    to check that the key is free (100,000 accounts, load 3-4: 53 CPU s instead of 46 after a
    committed delete; 91 s instead of 36 wall after a delete in the same transaction). The lock
    TRUNCATE takes keeps readers of the (empty) statements waiting until the refresh commits."""
    if connection.vendor != "postgresql":
        return False
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_table()})")  # noqa: S608
    if cursor.fetchone()[0]:
        return False
    cursor.execute(f"TRUNCATE {_table()}")
    return True


def primary_key(cursor) -> str:
    """PostgreSQL: the name of the statements' primary key constraint, as it is now."""
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [AccountStatement._meta.db_table],
    )
    return connection.ops.quote_name(cursor.fetchone()[0])


@contextmanager
def _indexes_built_after(cursor, truncated: bool) -> Iterator[None]:
    """A table just truncated (no other transaction may read it until this one commits) is
    filled without its key and index, which are then built by one sort each: cheaper than 3.2
    million inserts into each of them."""
    if not truncated:
        yield
        return
    model, table, primary = AccountStatement, _table(), primary_key(cursor)
    (index,) = model._meta.indexes
    with connection.schema_editor(atomic=False) as schema:
        schema.remove_index(model, index)
    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {primary}")
    yield
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {primary} PRIMARY KEY (account_id, month)")
    with connection.schema_editor(atomic=False) as schema:
        schema.add_index(model, index)


def _window_sql(first, last, account_ids) -> tuple[str, list]:
    accounts, params = accounts_sql("account_id", account_ids)
    return f"month >= %s AND month <= %s AND {accounts}", [first, last, *params]


def _delete_gone(cursor, fresh: Fresh, window: tuple[str, list]) -> int:
    """Deletes the stored rows of the months (and accounts) that no longer have a statement."""
    table = _table()
    kept, kept_params = fresh.kept(table)
    cursor.execute(
        f"DELETE FROM {table} WHERE {window[0]} AND NOT {kept}",  # noqa: S608
        window[1] + kept_params,
    )
    return cursor.rowcount


def _any_stored(cursor, window: tuple[str, list]) -> bool:
    sql = f"SELECT EXISTS (SELECT 1 FROM {_table()} WHERE {window[0]})"  # noqa: S608
    cursor.execute(sql, window[1])
    return bool(cursor.fetchone()[0])


def _count(cursor, window: tuple[str, list]) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {_table()} WHERE {window[0]}", window[1])  # noqa: S608
    return cursor.fetchone()[0]


def changed_share(
    cursor, fresh: Fresh, *, first: datetime.date, last: datetime.date, account_ids: list[int]
) -> float:
    """The share of the stored statements of these accounts and months that storing their
    fresh statements would insert, change or delete (PostgreSQL)."""
    sql, params = fresh.everything
    names = ", ".join(("account_id", "month", *VALUES))
    window, window_params = _window_sql(first, last, account_ids)
    differs = " OR ".join(f"s.{name} <> f.{name}" for name in VALUES)
    cursor.execute(
        "SELECT COUNT(*) FILTER (WHERE s.account_id IS NULL OR f.account_id IS NULL"  # noqa: S608
        f" OR {differs}), COUNT(s.account_id) FROM ({sql}) AS f ({names})"
        f" FULL JOIN (SELECT * FROM {_table()} WHERE {window}) AS s"
        " ON s.account_id = f.account_id AND s.month = f.month",
        [*params, *window_params],
    )
    changed, stored = cursor.fetchone()
    return changed / stored if stored else float(changed > 0)


def store_computed(cursor, rows_sql: str, count: int, *, stored_before: bool) -> Stored:
    """Writes statements computed before (kam.profitability.pipelined) that are new or differ
    from the stored ones: `rows_sql` selects them (`count` rows) in the order of the table's
    columns (account, month, VALUES). `stored_before`: whether the months had any statement
    of any account before the recomputation began. Deletes nothing (`delete_not_computed`)."""
    query: tuple[str, list] = (rows_sql, [])
    written = _upsert(cursor, query) if stored_before else _insert_all(cursor, query)
    return Stored(written=written, deleted=0, rows=count)


def delete_not_computed(
    cursor, computed_sql: str, count: int, *, first: datetime.date, last: datetime.date
) -> int:
    """Deletes the stored statements of the months that are not among the `count` computed
    ones that `computed_sql` selects (looked for only when more are stored)."""
    window = _window_sql(first, last, None)
    if _count(cursor, window) <= count:
        return 0
    cursor.execute(
        f"DELETE FROM {_table()} WHERE {window[0]} AND (account_id, month)"  # noqa: S608
        f" NOT IN (SELECT account_id, month FROM ({computed_sql}) AS computed)",
        window[1],
    )
    return cursor.rowcount


def any_stored(cursor, *, first: datetime.date, last: datetime.date) -> bool:
    """Whether any account has a statement in the months."""
    return _any_stored(cursor, _window_sql(first, last, None))


def store(
    cursor,
    fresh: Fresh,
    *,
    first: datetime.date,
    last: datetime.date,
    account_ids,
) -> Stored:
    """Makes the stored rows of the months (and accounts) equal to the fresh statements."""
    window = _window_sql(first, last, account_ids)
    stored_before = _any_stored(cursor, window)
    # Nothing stored yet (a first computation, new months): no stored row to compare with.
    write = partial(_write, account_ids=account_ids) if stored_before else _insert_all
    truncated = account_ids is None and not stored_before and _truncate_if_empty(cursor)
    cursor.execute(*fresh.costs_only)
    costs_only = cursor.rowcount
    # All accounts: PostgreSQL's statistics of the statements, just rewritten, may take each
    # account and month for several rows and look them up one by one (24 s instead of 10 for
    # 100,000 accounts): the stored and the fresh statements are joined by hashing.
    nested = ("nestloop",) if is_bulk(account_ids) else ()
    with planner_without(cursor, *nested), _indexes_built_after(cursor, truncated):
        written = write(cursor, fresh.statements)
    cursor.execute(*fresh.sales_count)
    rows = cursor.fetchone()[0] + costs_only
    # Every fresh statement is stored now: only if there are more, some have gone.
    gone = stored_before and _count(cursor, window) > rows
    deleted = _delete_gone(cursor, fresh, window) if gone else 0
    if account_ids is None and written + deleted:
        # Fresh statistics (0.3 s for 3.2 million rows): with those of an empty table the next
        # account's update took the month index for its one account and filtered two million
        # rows (1 s instead of 10 ms).
        analyze(cursor, _table())
    return Stored(written=written, deleted=deleted, rows=rows)
