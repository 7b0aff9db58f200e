"""Storing computed statements: only the rows that changed are written.

A recomputation usually finds almost every account and month as it was (the nightly job, a
rate change that touches a few months), so the stored rows are read as arrays, compared by key
and value, and only new, changed and vanished rows are inserted or deleted. Millions of model
instances would take longer than the whole computation, so rows go through executemany.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection

from kam.profitability.models import AccountStatement
from kam.profitability.statements import StatementTable, statement_key
from kam.sales import figures

BATCH = 50_000
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


def _values(table: StatementTable) -> np.ndarray:
    s = table.statement
    columns = (table.revenue, s.db1, table.condition_cost, table.care_cost, table.service_cost)
    return np.column_stack([*columns, s.db2, s.db3, s.db4]).astype(np.int64)


def _stored(
    first: datetime.date, last: datetime.date, account_ids: list[int] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids, keys and values of the stored rows of the months (and accounts)."""
    sql = (
        f"SELECT id, account_id, {figures.month_number_sql('month')}, {', '.join(VALUES)} "  # noqa: S608
        f"FROM {_table()} WHERE month >= %s AND month <= %s"
    )
    params: list = [first, last]
    if account_ids is not None:
        sql += f" AND account_id IN ({', '.join(['%s'] * len(account_ids))})"
        params += list(account_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = 3 + len(VALUES)
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=width * len(rows))
    matrix = flat.reshape(-1, width)
    return matrix[:, 0], statement_key(matrix[:, 1], matrix[:, 2]), matrix[:, 3:]


def store(
    table: StatementTable,
    *,
    first: datetime.date,
    last: datetime.date,
    account_ids: list[int] | None,
) -> Stored:
    """Makes the stored rows of the months (and accounts) equal to `table`."""
    keys, values = statement_key(table.account_id, table.month), _values(table)
    ids, stored_keys, stored_values = _stored(first, last, account_ids)
    position = np.minimum(np.searchsorted(keys, stored_keys), max(len(keys) - 1, 0))
    same = np.zeros(len(stored_keys), dtype=bool)
    if len(keys):
        same = keys[position] == stored_keys
        same[same] = (stored_values[same] == values[position[same]]).all(axis=1)
    fresh = np.ones(len(keys), dtype=bool)
    fresh[position[same]] = False
    _delete(ids[~same].tolist())
    _insert(table, np.flatnonzero(fresh), values)
    return Stored(inserted=int(fresh.sum()), deleted=int((~same).sum()), rows=len(keys))


def _delete(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            cursor.executemany(
                f"DELETE FROM {_table()} WHERE id = %s",  # noqa: S608
                [(row_id,) for row_id in ids[start : start + BATCH]],
            )


def _insert(table: StatementTable, rows: np.ndarray, values: np.ndarray) -> None:
    months = {i: figures.month_from_index(i).isoformat() for i in set(table.month.tolist())}
    columns = ("account_id", "month", *VALUES)
    sql = (
        f"INSERT INTO {_table()} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    account_ids, month_numbers = table.account_id[rows].tolist(), table.month[rows].tolist()
    tuples = (
        (account_id, months[month], *row)
        for account_id, month, row in zip(
            account_ids, month_numbers, values[rows].tolist(), strict=True
        )
    )
    with connection.cursor() as cursor:
        batch = list(itertools.islice(tuples, BATCH))
        while batch:
            cursor.executemany(sql, batch)
            batch = list(itertools.islice(tuples, BATCH))
