"""A new statements table filled in parts and put in the table's place (PostgreSQL, all
accounts): when the table holds no statement at all, or when most of its statements change.

A first computation writes every statement (100,000 accounts: 3.6 million). Into the table
itself it is one transaction: the truncated table's indexes dropped and built after, one core
pricing, joining and writing every row and its write-ahead log (25-33 s on the bench machine);
parts at once inserting into its indexes cost more than they save (every row into each
index). So the parts (kam.profitability.parts' ranges, one connection each) fill a new table
of the same columns without any index, at once; its two indexes (the key by account and month,
the index by month) are then built at once, each by one sort; and one short transaction puts
the new table in the place of the empty one under the same names (table, primary key, index),
so that the schema stays what the migrations made. Readers see the empty table until that
commit, then all statements. A fill that fails or is killed leaves the new table behind: the
next drops it. (With an id of their own the statements had a third index to build: the
index phase took 3.7-4.1 s instead of 3.1 s, and each part took turns at the id sequence.)
Writing the rows with COPY instead (a SELECT copied out on the part's connection, in on a
second one: one log record per page) cost more than it saved (measured: more server CPU for
the copy out and in than for the INSERT, and the rows passing through Python besides).

A table that holds statements is replaced the same way when most of them would change (a change
of every rate changes every care cost). Updated in place, 1.5 million of 3.6 million statements
took 25-31 s (each update a new row version and an entry in each of the three indexes), against
14-16 s for the new table and its swap; a table whose statements stay is compared and left as
it is (10-12 s). Whether they would change is judged from a sample of accounts, computed and
compared first (0.3-0.6 s). The statements of the months before the window are copied into
the new table beside the parts, and so replacing is left to tables whose statements lie
mostly in the window. Meanwhile the refresh holds a SHARE lock on the table: readers read on,
a writer (an account deleted with its statements) waits until the new table is in place and
then writes to it (PostgreSQL looks the name up again after waiting for a lock).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from kam.accounts.models import Account
from kam.core.db import planner_without
from kam.profitability.models import AccountStatement
from kam.profitability.parts import account_ranges, on_own_connections
from kam.profitability.statements import AccountRange, compute_fresh, release_temporary
from kam.profitability.storage import VALUES, Stored, changed_share, primary_key

#: The new table while it is filled (a name no migration uses).
FILL = "profitability_statement_fill"
#: A table of at least this many statements is replaced when at least REPLACE_SHARE of its
#: sampled statements (those of SAMPLE_ACCOUNTS accounts) would change and at most
#: OUTSIDE_SHARE of it lies outside the window. A smaller table is compared and updated.
REPLACE_MIN_STATEMENTS = 200_000
REPLACE_SHARE = 0.2
OUTSIDE_SHARE = 0.25
SAMPLE_ACCOUNTS = 200
#: The statements of months outside the window (its first and last month as parameters).
OUTSIDE = "month < %s OR month > %s"
DROP_FILL = f"DROP TABLE IF EXISTS {FILL}"
logger = logging.getLogger(__name__)


def _table() -> str:
    return AccountStatement._meta.db_table


def _execute(*statements: str) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


@dataclass(frozen=True)
class _Part:
    first: datetime.date
    last: datetime.date
    accounts: AccountRange

    @transaction.atomic
    def __call__(self) -> int:
        """Computes the part's statements into the new table; how many."""
        with connection.cursor() as cursor:
            fresh = compute_fresh(
                cursor, first_month=self.first, last_month=self.last, account_ids=self.accounts
            )
            sql, params = fresh.everything
            with planner_without(cursor, "nestloop"):
                cursor.execute(
                    f"INSERT INTO {FILL} (account_id, month, {', '.join(VALUES)})"  # noqa: S608
                    f" SELECT * FROM ({sql}) AS fresh",
                    params,
                )
                rows = cursor.rowcount
            release_temporary(cursor, rows)
        return rows


def _indexes() -> list[Callable[[], None]]:
    """The new table's indexes, built at once (CREATE INDEX lets others build beside it)."""
    # The columns of the model's key and index (the tests compare the schema the migrations
    # made with the one after a fill).
    return [
        _execute(f"CREATE UNIQUE INDEX {FILL}_pkey ON {FILL} (account_id, month)"),
        _execute(f"CREATE INDEX {FILL}_index ON {FILL} (month)"),
    ]


def _swap(cursor, *, replacing: bool) -> bool:
    """Puts the new table in the table's place (in the caller's transaction); False, and
    nothing changed, if the table was to be empty and holds statements by now."""
    table, quote = _table(), connection.ops.quote_name
    cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608
    if cursor.fetchone()[0] and not replacing:
        return False
    primary = primary_key(cursor)
    (index,) = AccountStatement._meta.indexes
    cursor.execute(f"DROP TABLE {quote(table)}")
    cursor.execute(f"ALTER TABLE {FILL} RENAME TO {quote(table)}")
    cursor.execute(
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {primary} PRIMARY KEY USING INDEX {FILL}_pkey"
    )
    cursor.execute(f"ALTER INDEX {FILL}_index RENAME TO {quote(index.name)}")
    return True


def _sample(cursor) -> list[int]:
    """About SAMPLE_ACCOUNTS account ids, spread evenly over all."""
    table = connection.ops.quote_name(Account._meta.db_table)
    cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
    step = max(1, cursor.fetchone()[0] // SAMPLE_ACCOUNTS)
    cursor.execute(
        f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table})"  # noqa: S608
        " AS numbered WHERE n %% %s = 0",
        [step],
    )
    return [row[0] for row in cursor.fetchall()]


def _estimated_rows(cursor) -> float:
    """The table's statements as its statistics last counted them (no scan; -1: never)."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [_table()])
    return cursor.fetchone()[0]


def _count(cursor, condition: str, first: datetime.date, last: datetime.date) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {_table()} WHERE {condition}", [first, last])  # noqa: S608
    return cursor.fetchone()[0]


def _replacing_pays(cursor, first: datetime.date, last: datetime.date) -> bool:
    """Whether the table is replaced rather than compared and updated: it is large, most of its
    statements lie in the months, and a sample of accounts says most of those would change."""
    total = _estimated_rows(cursor)
    if total < REPLACE_MIN_STATEMENTS:
        return False
    if _count(cursor, OUTSIDE, first, last) > OUTSIDE_SHARE * total:
        return False
    sample = _sample(cursor)
    if not sample:
        return False
    with transaction.atomic():  # a savepoint: the sample's temporary rows go with it
        fresh = compute_fresh(cursor, first_month=first, last_month=last, account_ids=sample)
        share = changed_share(cursor, fresh, first=first, last=last, account_ids=sample)
        transaction.set_rollback(True)
    logger.info("statements: %.0f %% of a sample would change", share * 100)
    return share >= REPLACE_SHARE


def _copy_outside(first: datetime.date, last: datetime.date) -> Callable[[], None]:
    """Copies the statements of the months outside the window into the new table."""
    names = ", ".join(("account_id", "month", *VALUES))

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FILL} ({names}) SELECT {names} FROM {_table()}"  # noqa: S608
                f" WHERE {OUTSIDE}",
                [first, last],
            )

    return run


def _drop_fill() -> None:
    on_own_connections([_execute(DROP_FILL)])


def _created() -> bool:
    """The new table, created (a new table left by a killed fill dropped first); False if the
    database refused (a role that may write the statements but not create tables)."""
    table = connection.ops.quote_name(_table())
    try:
        # One after the other, on one connection.
        on_own_connections(
            [
                _execute(
                    DROP_FILL,
                    f"CREATE TABLE {FILL} (LIKE {table} INCLUDING ALL EXCLUDING INDEXES)",
                )
            ]
        )
    except DatabaseError as error:
        logger.warning("statements not filled into a new table: %s", error)
        return False
    return True


def _filled(first: datetime.date, last: datetime.date, parts: int, *, replacing: bool) -> int:
    """The new table filled (`parts` ranges at once, and a replaced table's statements outside
    the window) and indexed; how many statements of the window it holds. A failure drops it."""
    try:
        work: list[Callable] = [_Part(first, last, r) for r in account_ranges(parts)]
        if replacing:
            work.append(_copy_outside(first, last))
        rows = sum(filled for filled in on_own_connections(work) if filled)
        on_own_connections(_indexes())
    except BaseException:
        _drop_fill()
        raise
    return rows


def _filled_and_swapped(
    first: datetime.date, last: datetime.date, parts: int, *, replacing: bool
) -> Stored | None:
    inside = 0
    if replacing:
        with connection.cursor() as cursor:
            # Writers wait until the new table is in place (readers read on).
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(_table())} IN SHARE MODE")
            inside = _count(cursor, f"NOT ({OUTSIDE})", first, last)
    if not _created():
        return None
    rows = _filled(first, last, parts, replacing=replacing)
    try:
        # In a savepoint: given up, its locks go with it, and the new table can be dropped.
        with transaction.atomic(), connection.cursor() as cursor:
            if _swap(cursor, replacing=replacing):
                return Stored(written=rows, deleted=max(0, inside - rows), rows=rows)
            transaction.set_rollback(True)
    except DatabaseError as error:
        logger.warning("new statements table not put in place: %s", error)
    return None


def fill_in_parts(*, first: datetime.date, last: datetime.date, parts: int) -> Stored | None:
    """The statements of all accounts into a new table, `parts` ranges at once, put in the
    table's place: when the table is empty, or when replacing it pays (see above; `deleted`
    is then how many fewer statements the months hold). None, and nothing written, when it
    does not, when statements appeared meanwhile in the empty table, or when the database
    refused to create the new table or to put it in place: the caller then computes them in
    parts into the table itself. Runs in the caller's transaction, which holds the refresh
    lock; the parts and the indexes commit on connections of their own."""
    replacing = AccountStatement.objects.exists()
    if replacing:
        with connection.cursor() as cursor:
            if not _replacing_pays(cursor, first, last):
                return None
    # In a savepoint: given up, the lock it took goes with it (the caller's parts then write).
    with transaction.atomic():
        stored = _filled_and_swapped(first, last, parts, replacing=replacing)
        if stored is None:
            transaction.set_rollback(True)
    if stored is None:
        _drop_fill()
    return stored
