"""The full recomputation on SQLite: computing and writing on two cores at once.

SQLite writes one transaction at a time, and one connection runs on one core: computing the
statements of all accounts (pricing the driver facts, joining them with the sales facts) and
writing them (3.6 million rows into the table and its two indexes, or comparing them with the
stored ones) took 13-17 s one after the other (100,000 accounts). Here two threads, each with a
connection of its own, compute the statements range of accounts by range
(kam.profitability.parts' ranges) into a scratch file per range, while the refreshing
connection, in its transaction, writes each range computed from its file into the table.

A computing connection only reads the database and runs without a transaction of its own:
the refresh holds SQLite's write lock from its first statement to its commit, so nothing it
reads changes meanwhile, and it never waits for that lock (it writes only its temporary tables
and its scratch file). A range's scratch file is attached to the refreshing connection before
its transaction begins (SQLite attaches no file inside one) and read only after the computing
connection is done with it: what the refresh reads is the whole range. Readers see the old
statements until the refresh commits, then all new ones, as before. The driver facts of a
repair are rebuilt and committed first (the computing connection sees only what is committed).
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction

from kam.core.db import analyze
from kam.core.scratch import remove_stale
from kam.profitability.models import AccountStatement, StatementRefresh
from kam.profitability.parts import account_ranges
from kam.profitability.statements import (
    AccountRange,
    compute_fresh,
    mapped_reads,
    release_temporary,
)
from kam.profitability.storage import (
    VALUES,
    Stored,
    any_stored,
    delete_not_computed,
    store_computed,
)

#: Ranges of accounts a full recomputation on SQLite runs in: the writing waits for the first
#: range to be computed, and after the last one is computed it writes the ranges still left;
#: more ranges cost each their temporary tables and rates (with two computing threads, 8 took
#: 11.9-12.7 s into an emptied table against 11.9-16.2 s with 4, alternating).
PARTS = 8
#: Ranges computed at once, each on a connection of its own. Computing a range took about
#: twice as long as writing it (100,000 accounts: 2.5-3.8 s against 1.1-2.2 s a range), so one
#: computing connection kept the writer waiting for most of the run.
COMPUTING_THREADS = 2
COLUMNS = ("account_id", "month", *VALUES)
#: The scratch folders; one a killed run left is removed a day later (kam.core.scratch).
SCRATCH_PREFIX = "kam-statements-"


def may_pipeline(account_ids) -> bool:
    """Whether a recomputation runs pipelined: all accounts of a SQLite database in a file,
    outside a transaction (another connection would see neither an in-memory database nor
    what the transaction wrote)."""
    return (
        account_ids is None
        and connection.vendor == "sqlite"
        and Path(str(connection.settings_dict["NAME"])).is_file()
        and not connection.in_atomic_block
    )


def _schema(number: int) -> str:
    return f"kam_computed_{int(number)}"


def _computed(number: int) -> str:
    """SQL: the statements computed for range ``number``, read from its scratch file."""
    return f"SELECT * FROM {_schema(number)}.statements"  # noqa: S608


class _Computing:
    """Computes the ranges' statements into their scratch files, COMPUTING_THREADS ranges at
    once (each thread its own connection: range i on thread i % COMPUTING_THREADS, in order);
    `done[i]` is set when range i is there (or the work failed: `error`)."""

    def __init__(self, files: list[Path], ranges: list[AccountRange], window) -> None:
        self.files, self.ranges, self.window = files, ranges, window
        self.done = [threading.Event() for _range in ranges]
        self.rows = [0] * len(ranges)
        self.computed = [False] * len(ranges)
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(
                target=self._run, args=(first,), name="kam-statements-computing", daemon=True
            )
            for first in range(min(COMPUTING_THREADS, len(ranges)))
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def _run(self, first: int) -> None:
        try:
            for number in range(first, len(self.ranges), len(self.threads)):
                if self.stop.is_set():
                    break
                self.rows[number] = self._compute(self.files[number], self.ranges[number])
                self.computed[number] = True
                self.done[number].set()
        except BaseException as error:  # noqa: BLE001 (handed to the refreshing thread)
            self.error = error
            self.stop.set()
            for event in self.done:
                event.set()
        finally:
            connection.close()

    def _compute(self, path: Path, accounts: AccountRange) -> int:
        first, last = self.window
        with connection.cursor() as cursor, mapped_reads(cursor):
            cursor.execute("ATTACH DATABASE %s AS computed", [str(path)])
            try:
                # Written once, read once: no journal, no waiting for the disk.
                cursor.execute("PRAGMA computed.journal_mode = OFF")
                cursor.execute("PRAGMA computed.synchronous = OFF")
                fresh = compute_fresh(
                    cursor, first_month=first, last_month=last, account_ids=accounts
                )
                cursor.execute(*fresh.costs_only)
                sql, params = fresh.statements
                # In the order of the table's key: the writer's inserts and comparisons then
                # walk its index page by page (the nightly run's writes 1.1-1.4 -> 0.7-0.9 CPU s
                # a quarter of the accounts).
                cursor.execute(
                    f"INSERT INTO computed.statements SELECT * FROM ({sql}) AS fresh"  # noqa: S608
                    " ORDER BY account_id, month",
                    params,
                )
                rows = cursor.rowcount
                release_temporary(cursor, rows)
            finally:
                cursor.execute("DETACH DATABASE computed")
        return rows

    def wait_for(self, number: int) -> int:
        """How many statements range `number` has, once computed; the computing's error if
        it failed before."""
        self.done[number].wait()
        if not self.computed[number]:
            raise self.error or RuntimeError("the statements were not computed")
        return self.rows[number]


@contextmanager
def _attached_scratch(parts: int) -> Iterator[list[Path]]:
    """Scratch files for the ranges, each made with its (empty) table and attached to this
    connection, before its transaction (SQLite attaches no file inside one)."""
    beside = Path(str(connection.settings_dict["NAME"])).parent  # on the database's disk
    remove_stale(beside, SCRATCH_PREFIX)
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=beside) as folder:
        files = [Path(folder) / f"range-{number}.sqlite3" for number in range(parts)]
        for path in files:
            with contextlib.closing(sqlite3.connect(path)) as scratch:
                scratch.execute(f"CREATE TABLE statements ({', '.join(COLUMNS)})")
        with connection.cursor() as cursor:
            for number, path in enumerate(files):
                cursor.execute(f"ATTACH DATABASE %s AS {_schema(number)}", [str(path)])
        try:
            yield files
        finally:
            with connection.cursor() as cursor:
                for number in range(parts):
                    cursor.execute(f"DETACH DATABASE {_schema(number)}")


@contextmanager
def _begun_deferred() -> Iterator[None]:
    """Transactions of this connection begin deferred meanwhile: kam's IMMEDIATE begin takes
    the write lock of every attached file at once, and the computing connection could then
    write no scratch file (nor would this transaction see what it wrote)."""
    mode = connection.transaction_mode  # type: ignore[attr-defined]
    connection.transaction_mode = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.transaction_mode = mode  # type: ignore[attr-defined]


def _take_write_lock() -> None:
    """The transaction's first statement writes: SQLite gives it the database's write lock
    (waiting for another writer as an IMMEDIATE begin would), and no scratch file's."""
    table = connection.ops.quote_name(StatementRefresh._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET finished_at = finished_at WHERE id = 1")  # noqa: S608


@contextmanager
def pipelined_transaction(*, first: datetime.date, last: datetime.date) -> Iterator[_Computing]:
    """A transaction that holds the database's write lock, with the computing thread working
    ahead of it on the ranges (started once the lock is held: no other writer's commit comes
    between what it reads for one range and for the next); yields the thread."""
    # Fewer accounts than PARTS: fewer ranges (each range has its file). The first and the
    # last range have no bound, so an account added meanwhile falls into one.
    ranges = account_ranges(PARTS)
    with _attached_scratch(len(ranges)) as files, _begun_deferred(), transaction.atomic():
        _take_write_lock()
        computing = _Computing(files, ranges, (first, last))
        computing.start()
        try:
            yield computing
        finally:
            computing.stop.set()
            computing.join()


def write_computed(computing: _Computing, *, first: datetime.date, last: datetime.date) -> Stored:
    """In the refreshing connection's transaction: each range's statements, as soon as they
    are computed, written from its scratch file (only what changed); then the statements of
    the months that have none any more deleted."""
    written = 0
    with connection.cursor() as cursor:
        # Asked once for all: by range, SQLite took the month index and read 2.7 s of it.
        stored_before = any_stored(cursor, first=first, last=last)
        for number in range(len(computing.ranges)):
            count = computing.wait_for(number)
            stored = store_computed(cursor, _computed(number), count, stored_before=stored_before)
            written += stored.written
        rows = sum(computing.rows)
        everything = " UNION ALL ".join(map(_computed, range(len(computing.ranges))))
        deleted = 0
        if stored_before:
            deleted = delete_not_computed(cursor, everything, rows, first=first, last=last)
        if written + deleted:
            analyze(cursor, connection.ops.quote_name(AccountStatement._meta.db_table))
    return Stored(written=written, deleted=deleted, rows=rows)
