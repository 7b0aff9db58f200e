"""Filling a statements table that holds no statement at all (PostgreSQL, all accounts).

A first computation writes every statement (100,000 accounts: 3.6 million). Into the table
itself it is one transaction: the truncated table's indexes dropped and built after, one core
pricing, joining and writing every row and its write-ahead log (25-33 s on the bench machine);
parts at once inserting into its indexes cost more than they save (every row into three
indexes). So the parts (kam.profitability.parts' ranges, one connection each) fill a new table
of the same columns without any index, at once; its indexes are then built, two at once, each
by one sort; and one short transaction puts the new table in the place of the empty one under
the same names (table, identity sequence, primary key, unique constraint, index), so that the
schema stays what the migrations made. Readers see the empty table until that commit, then all
statements. A fill that fails or is killed leaves the new table behind: the next drops it.
While it is filled, each part's connection takes ids from the new table's sequence 10,000 at a
time (its setting is the old table's again before the swap): one at a time, the parts took
turns at the sequence's page for every row, and it wrote a log record every 32 ids. Writing
the rows with COPY instead (a SELECT copied out on the part's connection, in on a second one:
one log record per page) cost more than it saved (measured: more server CPU for the copy out
and in than for the INSERT, and the rows passing through Python besides).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from kam.core.db import planner_without
from kam.profitability.models import AccountStatement
from kam.profitability.parts import account_ranges, on_own_connections
from kam.profitability.statements import AccountRange, compute_fresh, release_temporary
from kam.profitability.storage import VALUES, Stored

#: The new table while it is filled (a name no migration uses).
FILL = "profitability_statement_fill"
#: The ids each part's connection takes from the new table's identity sequence at once while it
#: fills (then the table's own setting again): one at a time, the parts took turns at the
#: sequence's page for each of 3.6 million rows.
ID_BLOCK = 10_000
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


def _names(cursor) -> tuple[str, str]:
    """The table's primary key constraint and its identity sequence, as they are named now."""
    table = _table()
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )
    primary = cursor.fetchone()[0]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return primary, cursor.fetchone()[0].rsplit(".", 1)[-1]


def _id_cache(cursor, table: str) -> int:
    """How many ids a connection takes from the table's identity sequence at once."""
    cursor.execute(
        "SELECT seqcache FROM pg_sequence"
        " WHERE seqrelid = pg_get_serial_sequence(%s, 'id')::regclass",
        [table],
    )
    return int(cursor.fetchone()[0])


def _indexes() -> list[Callable[[], None]]:
    """The new table's indexes, built two at once (CREATE INDEX lets others build beside it)."""
    # The columns of the model's unique constraint and index (the tests compare the schema
    # the migrations made with the one after a fill).
    return [
        _execute(f"CREATE UNIQUE INDEX {FILL}_unique ON {FILL} (account_id, month)"),
        _execute(
            f"CREATE UNIQUE INDEX {FILL}_pkey ON {FILL} (id)",
            f"CREATE INDEX {FILL}_index ON {FILL} (month)",
        ),
    ]


def _swap(cursor) -> bool:
    """Puts the new table in the empty one's place (in the caller's transaction); False, and
    nothing changed, if the table holds statements by now."""
    table, quote = _table(), connection.ops.quote_name
    cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608
    if cursor.fetchone()[0]:
        return False
    primary, sequence = _names(cursor)
    (index,), (unique,) = AccountStatement._meta.indexes, AccountStatement._meta.constraints
    cursor.execute(f"SELECT pg_get_serial_sequence('{FILL}', 'id')")
    fill_sequence = cursor.fetchone()[0]
    cursor.execute(f"ALTER SEQUENCE {fill_sequence} CACHE {_id_cache(cursor, table)}")
    cursor.execute(f"DROP TABLE {quote(table)}")
    cursor.execute(f"ALTER TABLE {FILL} RENAME TO {quote(table)}")
    cursor.execute(f"ALTER SEQUENCE {fill_sequence} RENAME TO {quote(sequence)}")
    cursor.execute(
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(primary)}"
        f" PRIMARY KEY USING INDEX {FILL}_pkey"
    )
    cursor.execute(
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(unique.name)}"
        f" UNIQUE USING INDEX {FILL}_unique"
    )
    cursor.execute(f"ALTER INDEX {FILL}_index RENAME TO {quote(index.name)}")
    return True


def fill_in_parts(*, first: datetime.date, last: datetime.date, parts: int) -> Stored | None:
    """The statements of all accounts into the empty table, `parts` ranges at once; None (and
    nothing written) if statements appeared meanwhile, or if the database refused to create the
    new table or to put it in place (a role that may write the statements but not create or
    drop tables): the caller then computes them in parts into the table itself. Runs in the
    caller's transaction, which holds the refresh lock; the parts and the indexes commit on
    connections of their own."""
    table = connection.ops.quote_name(_table())
    dropping = f"DROP TABLE IF EXISTS {FILL}"
    drop = _execute(dropping)
    try:
        # One after the other, on one connection: a new table left by a killed fill goes first.
        on_own_connections(
            [
                _execute(
                    dropping,
                    f"CREATE TABLE {FILL} (LIKE {table} INCLUDING ALL EXCLUDING INDEXES)",
                    f"ALTER TABLE {FILL} ALTER COLUMN id SET CACHE {ID_BLOCK}",
                )
            ]
        )
    except DatabaseError as error:
        logger.warning("statements not filled into a new table: %s", error)
        return None
    try:
        ranges = account_ranges(parts)
        rows = sum(on_own_connections([_Part(first, last, r) for r in ranges]))
        on_own_connections(_indexes())
    except BaseException:
        on_own_connections([drop])
        raise
    try:
        # In a savepoint: given up, its locks go with it, and the new table can be dropped.
        with transaction.atomic(), connection.cursor() as cursor:
            if _swap(cursor):
                return Stored(written=rows, deleted=0, rows=rows)
            transaction.set_rollback(True)
    except DatabaseError as error:
        logger.warning("new statements table not put in place: %s", error)
    on_own_connections([drop])
    return None
