"""The full recomputation of the statements in parts, at once (PostgreSQL).

PostgreSQL runs no query that writes with parallel workers: pricing the driver facts into a
temporary table and the MERGE of 3.2 million statements each use one core of the server. The
accounts are therefore split into `KAM_PROFITABILITY_PARTS` ranges of ids of about as many
accounts each (the first and the last without a bound, so that every id falls into one), and
each range is computed and stored by a thread on its own connection, in its own transaction.

What a reader sees meanwhile: each account's statements (all its months) come from one part's
commit, so an account is never half old and half new; until the last part commits, some
accounts show the new and others the old statements (a group's roll-up or the whale curve may
mix both for those seconds). The caller holds the `StatementRefresh` lock throughout, so an
incremental update waits for all parts and then recomputes its account from the facts.
SQLite writes one transaction at a time: a database file computes the ranges on a second
connection while the refreshing transaction writes them (kam.profitability.pipelined).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction

from kam.accounts.models import Account
from kam.profitability.statements import AccountRange, compute_fresh, release_temporary
from kam.profitability.storage import Stored, store

T = TypeVar("T")


def parts_wanted(account_ids) -> int:
    """How many parts a recomputation of these accounts runs in (1: one transaction)."""
    if account_ids is not None or connection.vendor != "postgresql":
        return 1
    # Other connections would not see what an enclosing transaction has written (a test's).
    if connection.in_atomic_block:
        return 1
    return max(1, settings.KAM_PROFITABILITY_PARTS)


def account_ranges(parts: int) -> list[AccountRange]:
    """`parts` ranges of about as many accounts each, covering every account id."""
    table = connection.ops.quote_name(Account._meta.db_table)
    bounds: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        count = cursor.fetchone()[0]
        for part in range(1, parts if count >= parts else 1):
            cursor.execute(
                f"SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET %s",  # noqa: S608
                [count * part // parts],
            )
            bounds.append(cursor.fetchone()[0])
    edges = [None, *sorted(set(bounds)), None]
    return [AccountRange(low, high) for low, high in zip(edges, edges[1:], strict=False)]


def on_own_connections(work: list[Callable[[], T]]) -> list[T]:
    """Each piece of work at once, on a thread and connection of its own (committed, then
    closed): the parts of a recomputation, the fill of an empty table and its indexes."""

    def run(piece: Callable[[], T]) -> T:
        try:
            return piece()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        return list(pool.map(run, work))


@dataclass(frozen=True)
class _Window:
    first: datetime.date
    last: datetime.date

    @transaction.atomic
    def compute(self, accounts: AccountRange) -> Stored:
        with connection.cursor() as cursor:
            fresh = compute_fresh(
                cursor, first_month=self.first, last_month=self.last, account_ids=accounts
            )
            stored = store(cursor, fresh, first=self.first, last=self.last, account_ids=accounts)
            release_temporary(cursor, stored.rows)
        return stored


def refresh_in_parts(*, first: datetime.date, last: datetime.date, parts: int) -> Stored:
    """The statements of all accounts in the months, `parts` ranges at once; what was stored.
    A part that fails raises here (after the others finished; theirs stay committed: the
    statements are derived, the next recomputation repairs the rest)."""
    window = _Window(first, last)
    results = on_own_connections([partial(window.compute, r) for r in account_ranges(parts)])
    return Stored(
        written=sum(r.written for r in results),
        deleted=sum(r.deleted for r in results),
        rows=sum(r.rows for r in results),
    )
