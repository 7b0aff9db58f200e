"""Storing computed statements: only the rows that changed are written.

A recomputation usually finds almost every account and month as it was (the nightly job, a
rate change that touches a few months), so the fresh statements (the temporary table that
kam.profitability.statements fills) are compared with the stored ones in the database: stored
rows without an equal fresh row are deleted, fresh rows without a stored row inserted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from kam.profitability.models import AccountStatement
from kam.profitability.statements import FRESH

VALUES = (
    "revenue_cents",
    "db1_cents",
    "condition_cost_cents",
    "care_cost_cents",
    "service_cost_cents",
    "db2_cents",
    "db3_cents",
    "db4_cents",
)


@dataclass(frozen=True)
class Stored:
    inserted: int
    deleted: int
    rows: int


def _table() -> str:
    return connection.ops.quote_name(AccountStatement._meta.db_table)


def _delete_changed(
    cursor, first: datetime.date, last: datetime.date, account_ids: list[int] | None
) -> int:
    """Deletes the stored rows of the months (and accounts) that no fresh row equals."""
    table = _table()
    same = " AND ".join(f"f.{name} = {table}.{name}" for name in ("account_id", "month", *VALUES))
    sql = (
        f"DELETE FROM {table} WHERE month >= %s AND month <= %s"  # noqa: S608
        f" AND NOT EXISTS (SELECT 1 FROM {FRESH} f WHERE {same})"
    )
    params: list = [first, last]
    if account_ids is not None:
        sql += f" AND account_id IN ({', '.join(['%s'] * len(account_ids))})"
        params += list(account_ids)
    cursor.execute(sql, params)
    return cursor.rowcount


def _insert_new(cursor) -> int:
    """Inserts the fresh rows that have no stored row (any changed one was deleted)."""
    columns = ", ".join(("account_id", "month", *VALUES))
    cursor.execute(
        f"INSERT INTO {_table()} ({columns}) SELECT {columns} FROM {FRESH} f"  # noqa: S608
        f" WHERE NOT EXISTS (SELECT 1 FROM {_table()} s"
        " WHERE s.account_id = f.account_id AND s.month = f.month)"
    )
    return cursor.rowcount


def store(
    cursor,
    *,
    first: datetime.date,
    last: datetime.date,
    account_ids: list[int] | None,
    rows: int,
) -> Stored:
    """Makes the stored rows of the months (and accounts) equal to the fresh statements."""
    deleted = _delete_changed(cursor, first, last, account_ids)
    return Stored(inserted=_insert_new(cursor), deleted=deleted, rows=rows)
