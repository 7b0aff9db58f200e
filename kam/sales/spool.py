"""Where the reader stages chunks, so that the importing side needs no time for it.

Storing 100,000 rows one by one takes a quarter of a second, most of it in Python; in the reader
(a process of its own, kam.sales.reader_process) that work runs beside the database's, on the
other core.

- SQLite (``ChunkSpool``): a file of its own, in a temporary folder beside the database, which
  the importing connection attaches to copy a chunk in one statement.
- PostgreSQL (``TableSpool``): unlogged tables that the reader fills through a connection of
  its own (COPY), where that connection also gathers statistics or, in a first import, sums
  each chunk up by customer and month; the importing connection merges straight from them.

Both hold the chunks not yet merged and are removed when the import ends; what a killed import
leaves behind, the next one removes. The importing side takes a chunk before its transaction
and releases it after: only then may the reader drop it. A spool is made in the importing
process; the reader's side of it works in the reader process after the fork, and what both
sides need to know (the chunks released) lives in shared memory.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from django.db import connection

from kam.core.db import analyze
from kam.core.scratch import remove_stale
from kam.sales import facts, staging
from kam.sales.staging_columns import ROW_NAMES, row_columns, row_names

#: The spool folders (kam-import-<pid>-<random>); a killed import's are removed by the next
#: (kam.core.scratch; folders made before names carried a process id: a day later).
PREFIX = "kam-import-"
TABLE_PREFIX = "kam_spool_"
#: The columns of a spooled chunk whose statistics the merge's plans use (kam.sales.staging:
#: its rows' keys, accounts and marks; the table's size comes with any of them). Those of all
#: columns took the realistic next export's last chunk 155 ms before the importer could take
#: it, and the import 0.08 s more.
PLANNED_COLUMNS = ("invoice_number", "line_number", "customer_number", "repeat_candidate")
_SPOOLS = itertools.count(1)  # of this process: several spools may share a connection


def _released_counter():
    """The highest chunk number released, shared with the reader process (forked later)."""
    return multiprocessing.get_context("fork").Value("q", 0)


class Taken(NamedTuple):
    """A spooled chunk, ready to be merged."""

    table: str  # the staged rows
    rows: int
    # Its rows summed up by customer and month (kam.sales.facts.month_totals), if the spool did.
    month_totals: str | None
    # PostgreSQL: the advisory lock the spool holds while it sums the chunk up (totals_ready).
    summing: tuple[int, int] | None = None


def totals_ready(taken: Taken) -> bool:
    """Importing side, in the chunk's transaction: waits until the spool has summed the chunk
    up; whether its totals are there (not if the sums failed: the reader reports why, and the
    importer sums the new lines up itself)."""
    if taken.month_totals is None:
        return False
    if taken.summing is None:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", list(taken.summing))
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [taken.month_totals])
        (there,) = cursor.fetchone()
    return bool(there)


#: Rows a statement inserts into a SQLite spool, as far as SQLite's limit on the variables of
#: a statement allows (32,766 since SQLite 3.32, 999 before: 50 rows of at most 16 values).
ROWS_PER_INSERT = 200


@functools.lru_cache(maxsize=64)
def _insert(number: int, names: tuple[str, ...], zero: str | None, rows: int) -> str:
    """The statement that adds ``rows`` rows of the columns ``names`` to chunk ``number``; the
    column ``zero`` (if any) gets 0 written into the statement instead of a value."""
    row = f"({', '.join('0' if name == zero else '?' for name in names)})"
    return f"INSERT INTO rows_{int(number)} ({', '.join(names)}) VALUES {', '.join([row] * rows)}"  # noqa: S608


def _bound_columns(
    columns: Sequence[Sequence],
) -> tuple[tuple[str, ...], str | None, list[Sequence]]:
    """Of the columns of some rows (ROW_NAMES order, or without the ERP's costs): the names
    of those the spool binds values of, the one it writes 0 into instead, and the bound
    columns' values.

    sqlite3 binds None and booleans through its adapters, slowly: a column with None in every
    row (a field the file does not have) is left out, NULL by default, and the repeat marks
    are written as 0 into the statement when none is set, else bound as whole numbers (the
    same integers in the file). In the bench file that spared three of fourteen values a
    row, which had taken two fifths of the time of the spool's statements.
    """
    names: list[str] = []
    zero = None
    bound: list[Sequence] = []
    for name, column in zip(row_names(len(columns)), columns, strict=True):
        if column[0] is None and column.count(None) == len(column):
            continue
        names.append(name)
        if name == "repeat_candidate" and set(map(type, column)) == {bool}:
            if True not in column:
                zero = name
                continue
            column = list(map(int, column))
        bound.append(column)
    return tuple(names), zero, bound


def rows_with_marks(
    staged: Sequence[tuple], lines: Sequence[int], candidates: Sequence[bool]
) -> Iterator[tuple]:
    """Staged rows with their physical lines and repeat marks appended (ROW_NAMES order)."""
    return map(tuple.__add__, staged, zip(lines, candidates, strict=True))


class ChunkSpool:
    """SQLite: a table ``rows_N`` for chunk N, each in a SQLite file of its own.

    The importing connection attaches a chunk's file and merges its rows in place (marking
    there the rows that match stored lines), while the reader writes the next chunk into the
    next file: copying each chunk into the connection's staging table first took a tenth of
    the importing process's time.
    """

    def __init__(self, folder: Path | None = None, *, sum_up: bool = False) -> None:
        remove_stale(Path(folder or tempfile.gettempdir()), PREFIX)
        self._sum_up = sum_up
        # The name carries the process id: the next import removes the folder as soon as the
        # process is gone (kam-import-<pid>-<random>).
        self._folder = tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", dir=folder)
        self._connection: sqlite3.Connection | None = None
        self._number = 0  # the chunk being written (or written last)
        self._released = _released_counter()  # chunks up to this number are no longer needed
        self._written: list[int] = []
        self._rows = 0  # of the chunk being written
        self._attached = False  # a chunk's file, to the importing connection

    @property
    def path(self) -> Path:
        """The file of the chunk being written (or written last)."""
        return self.chunk_path(self._number)

    def chunk_path(self, number: int) -> Path:
        return Path(self._folder.name) / f"chunk-{int(number)}.sqlite3"

    def write(self, number: int, rows: Sequence[tuple]) -> None:
        """Reader thread: stores chunk ``number`` (rows in ROW_NAMES order) at once."""
        self.begin(number)
        self.append(number, rows)
        self.finish(number)

    def begin(self, number: int) -> None:
        """Reader: starts chunk ``number`` in a file of its own; removes the files of the
        chunks already released."""
        self._close_connection()
        released = self._released.value
        for old in [n for n in self._written if n <= released]:
            self.chunk_path(old).unlink(missing_ok=True)
            self._written.remove(old)
        self._number, self._rows = number, 0
        spool = self._connect()
        # The merge marks the rows that match stored lines there (staging.staging_columns).
        spool.execute(
            f"CREATE TABLE rows_{int(number)} ({', '.join(ROW_NAMES)}, line_id, first_line)"
        )
        self._written.append(number)

    def append(self, number: int, rows: Sequence[tuple]) -> None:
        """Reader: adds rows (ROW_NAMES order) to chunk ``number``."""
        if rows:
            self._append_columns(number, list(zip(*rows, strict=True)))

    def append_staged(
        self, number: int, staged: Sequence[tuple], lines: list[int], candidates: list[bool]
    ) -> None:
        """Reader: adds staged rows (STAGED_FIELDS order, or without the ERP's costs) with
        their physical lines and repeat marks to chunk ``number``: ``append`` without a tuple
        made for each row."""
        if staged:
            self._append_columns(number, [*zip(*staged, strict=True), lines, candidates])

    def _append_columns(self, number: int, columns: list[Sequence]) -> None:
        """Adds the rows of these columns (ROW_NAMES order, or without the ERP's costs).

        ``ROWS_PER_INSERT`` rows a statement: a fifth less of the reader's time than one
        (200 rows: an eighth less than 50).
        """
        spool = self._connect()
        names, zero, bound = _bound_columns(columns)
        width, count = len(bound), len(columns[0])
        values: list = [None] * (width * count)  # row by row, as the statements take them
        for position, column in enumerate(bound):
            values[position::width] = column
        per = min(ROWS_PER_INSERT, spool.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
        whole = count - count % per
        if whole:
            step = width * per
            batches = [values[start : start + step] for start in range(0, whole * width, step)]
            spool.executemany(_insert(number, names, zero, per), batches)
        if whole < count:  # one row a statement: the rest's count differs block by block
            rest = [
                values[start : start + width] for start in range(whole * width, len(values), width)
            ]
            spool.executemany(_insert(number, names, zero, 1), rest)
        self._rows += count

    def finish(self, number: int) -> int:
        """Reader: chunk ``number`` is complete (committed: the importer may take it); returns
        how many rows it has. With ``sum_up``, while the importer is busy, its rows summed up by
        customer and month first, into ``months_N`` (kam.sales.facts.month_totals): the facts
        of a first import come from there, and the reader's core does the sorting and summing
        instead of the importer's (1,000,000 lines: 2.4 of the importing process's 7.8 CPU s
        went to summing them up)."""
        spool = self._connect()
        if self._sum_up and self._importer_busy_before(number):
            totals = facts.month_totals(f"rows_{int(number)}")
            spool.execute(f"CREATE TABLE months_{int(number)} AS {totals}")
        spool.commit()
        return self._rows

    def _importer_busy_before(self, number: int) -> bool:
        """Whether the importer is still at a chunk before the one before ``number``'s: then
        the reader would wait for it anyway, and sums the chunk up meanwhile. Where the reader
        is the slower side (an export with many bad rows, its fields quoted) the importer sums
        the new lines up itself: the reader's sums cost it more (1.6 CPU s a million lines)
        than they spare the importer (1.1)."""
        return self._released.value < number - 1

    def ready(self, number: int) -> bool:
        """Reader: chunk ``number`` may be handed over as soon as it is finished."""
        return True

    def wait(self) -> None:
        """Reader: nothing runs on after ``finish``."""

    def take(self, number: int, rows: int | None = None) -> Taken:
        """Importing side, before the chunk's transaction: attaches chunk ``number``'s file to
        the connection, whose merge takes its rows from there (``rows``: how many it has)."""
        self._attached = True
        table, counted = staging.attach_spooled(str(self.chunk_path(number)), number)
        totals = f"months_{int(number)}"
        summed = self._sum_up and staging.spooled_table_exists(totals)
        totals_table = f"{staging.SPOOL_SCHEMA}.{totals}" if summed else None
        return Taken(table, counted if rows is None else rows, totals_table)

    def release(self, number: int) -> None:
        """Importing side, after the chunk's transaction: chunk ``number`` and those before it
        are no longer needed."""
        self._detach()
        self._released.value = number

    def _detach(self) -> None:
        if self._attached:
            self._attached = False
            staging.detach_spooled()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            # A chunk's file is written by one transaction and read after it: no journal.
            self._connection.execute("PRAGMA journal_mode=OFF")
            self._connection.execute("PRAGMA synchronous=OFF")
        return self._connection

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._close_connection()
        with contextlib.suppress(Exception):  # a connection that an error left broken
            self._detach()
        self._folder.cleanup()


def _copied_as(columns: Sequence[tuple[str, str]]) -> list[str]:
    """How the reader's staged values go into COPY: whole numbers and marks as such, the rest
    (dates, decimal quantities) as the text the reader made of them."""
    types = {"integer": "int4", "bigint": "int8", "boolean": "bool"}
    return [types.get(kind, "text") for _name, kind in columns]


class TableSpool:
    """PostgreSQL: unlogged chunk tables, filled by the reader through its own connection
    (opened where the reader runs: a connection does not cross a fork).

    Table names carry the server process id of the importing connection, which outlives the
    spool; a table whose process is gone belongs to a killed import and is dropped by the next
    spool. ``sum_up``: whether to sum each chunk up by customer and month (worth it when every
    row will be a new line, as in a first import; other imports sum up the lines they inserted).
    """

    def __init__(self, *, sum_up: bool) -> None:
        self._sum_up = sum_up
        # Built here, on the importing side: the SQL depends on the database.
        self._columns = staging.staging_columns()
        self._month_totals = facts.month_totals("{chunk}")
        self._connection_params = connection.get_connection_params()
        self._new_connection = connection.get_new_connection
        self._connection = None  # the reader's
        with connection.cursor() as cursor:
            _drop_orphans(cursor)
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        self._pid = int(pid)
        self._prefix = f"{TABLE_PREFIX}{pid}_{next(_SPOOLS)}_"
        self._rows: dict[int, int] = {}
        self._written: list[int] = []
        self._released = _released_counter()
        self._copying: ExitStack | None = None  # the COPY of the chunk being written
        self._copied = 0
        # The reader's thread that sums up the chunk finished last, on a connection of its own.
        self._finishing: threading.Thread | None = None
        self._finishing_connection = None
        self._error: BaseException | None = None

    def _connect(self):
        if self._connection is None:
            self._connection = self._open_connection()
        return self._connection

    def _open_connection(self):
        opened = self._new_connection(self._connection_params)
        opened.autocommit = True
        with opened.cursor() as cursor:
            cursor.execute("SET work_mem = '64MB'")  # sums sort a chunk in memory
        return opened

    def table(self, number: int) -> str:
        return f"{self._prefix}{int(number)}"

    def write(self, number: int, rows: Sequence[tuple]) -> None:
        """Reader thread: stores and sums up chunk ``number`` (rows in ROW_NAMES order)."""
        self.begin(number)
        self.append(number, rows)
        self.finish(number)
        self.wait()

    def begin(self, number: int) -> None:
        """Reader: drops the chunks released, starts chunk ``number``'s table (its COPY starts
        with the first rows)."""
        released = self._released.value
        table = self.table(number)
        cursor = self._connect().cursor()
        for old in [n for n in self._written if n <= released]:
            self._drop(cursor, old)
        cursor.execute(f"CREATE UNLOGGED TABLE {table} ({self._columns})")
        self._written.append(number)
        self._copying = ExitStack()
        self._cursor = self._copying.enter_context(cursor)
        self._copy = None  # begun with the first rows: their width says which columns
        self._copied = 0

    def _begin_copy(self, number: int, width: int) -> None:
        columns = row_columns(width)
        names = ", ".join(name for name, _kind in columns)
        assert self._copying is not None
        copy = self._copying.enter_context(
            self._cursor.copy(f"COPY {self.table(number)} ({names}) FROM STDIN")
        )
        copy.set_types(_copied_as(columns))  # a third less Python time than a type per value
        self._copy = copy

    def append(self, number: int, rows: Sequence[tuple]) -> None:
        """Reader: adds rows (ROW_NAMES order, or without the ERP's costs) to chunk ``number``."""
        if not rows:
            return
        if self._copy is None:
            self._begin_copy(number, len(rows[0]))
        write_row = self._copy.write_row  # type: ignore[attr-defined]
        for row in rows:
            write_row(row)
        self._copied += len(rows)

    def append_staged(
        self, number: int, staged: Sequence[tuple], lines: list[int], candidates: list[bool]
    ) -> None:
        """Reader: adds staged rows with their physical lines and repeat marks (see
        ChunkSpool.append_staged)."""
        self.append(number, list(rows_with_marks(staged, lines, candidates)))

    def finish(self, number: int) -> int:
        """Reader: ends chunk ``number``'s COPY and starts to sum it up or gather statistics
        (``ready`` tells when that is done); returns how many rows it has.

        The server does that through a second connection, in a thread, while the reader goes
        on with the next chunk: waiting for it took the reader a fifth of its time.
        """
        self._end_copy()
        self.wait()  # the chunk before
        if self._sum_up:
            # Held until the sums are there: the importer takes the chunk at once and waits
            # for them only when it needs them, after its lines are in (totals_ready).
            with self._finishing_cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", self._summing(number))
        self._finishing = threading.Thread(
            target=self._sum_up_or_analyze, args=(number,), name="kam-spool-sums", daemon=True
        )
        self._finishing.start()
        self._rows[number] = self._copied
        return self._copied

    def ready(self, number: int) -> bool:
        """Reader: whether chunk ``number`` may be handed over: at once when it is summed up
        (the importer waits for the sums itself, totals_ready), else once it is analyzed.
        Raises what went wrong there."""
        if self._sum_up:
            return True
        finishing = self._finishing
        if finishing is not None and finishing.is_alive():
            return False
        self.wait()
        return True

    def wait(self) -> None:
        """Reader: waits until the chunk finished last is summed up; raises what went wrong."""
        finishing, self._finishing = self._finishing, None
        if finishing is not None:
            finishing.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _finishing_cursor(self):
        if self._finishing_connection is None:
            self._finishing_connection = self._open_connection()
        return self._finishing_connection.cursor()

    def _summing(self, number: int) -> tuple[int, int]:
        """The advisory lock held while chunk ``number`` is summed up: the importing
        connection's process id (its spool's tables carry it too) and the chunk's number."""
        return self._pid, int(number)

    def _sum_up_or_analyze(self, number: int) -> None:
        table = self.table(number)
        try:
            with self._finishing_cursor() as cursor:
                if not self._sum_up:
                    # Statistics for the plans that match rows with stored lines (a fresh table
                    # has none; in a first import nothing is matched).
                    analyze(cursor, table, PLANNED_COLUMNS)
                    return
                try:
                    totals = self._month_totals.replace("{chunk}", table)
                    cursor.execute(f"CREATE UNLOGGED TABLE {table}_months AS {totals}")
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", self._summing(number))
        except BaseException as error:  # noqa: BLE001 (raised in the reader by wait)
            self._error = error

    def take(self, number: int, rows: int | None = None) -> Taken:
        """Importing side, before the chunk's transaction: the chunk (of ``rows`` rows; in the
        same process as the reader, None: as counted) is merged in place."""
        staging.prepare()
        if rows is None:
            rows = self._rows[number]
        if not self._sum_up:
            return Taken(self.table(number), rows, None)
        return Taken(
            self.table(number), rows, f"{self.table(number)}_months", self._summing(number)
        )

    def release(self, number: int) -> None:
        """Importing side, after the chunk's transaction (its locks are gone)."""
        self._released.value = number

    def _drop(self, cursor, number: int) -> None:
        table = self.table(number)
        cursor.execute(f"DROP TABLE IF EXISTS {table}, {table}_months")
        self._written.remove(number)

    def _end_copy(self) -> None:
        copying, self._copying = self._copying, None
        if copying is not None:
            copying.close()

    def close(self) -> None:
        """Importing side, after the reader is gone: drops every table of the spool (those of
        a reader process too, which this process does not know by number)."""
        try:
            self._end_copy()  # of a chunk the import stopped in
            self.wait()  # a reader thread's sums (a reader process waits for its own)
        except Exception:  # noqa: BLE001,S110 (its tables are dropped anyway)
            pass
        for opened in (self._connection, self._finishing_connection):
            if opened is not None:
                opened.close()
        with connection.cursor() as cursor:
            for name in _tables_like(cursor, self._prefix):
                cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        self._written = []


def _tables_like(cursor, prefix: str) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
        [prefix.replace("_", r"\_") + "%"],
    )
    return [name for (name,) in cursor.fetchall()]


def _drop_orphans(cursor) -> None:
    """Drops the spool tables of imports whose connection is gone (killed imports)."""
    tables = _tables_like(cursor, TABLE_PREFIX)
    cursor.execute("SELECT pid FROM pg_stat_activity")
    alive = {str(pid) for (pid,) in cursor.fetchall()}
    for name in tables:
        if name.removeprefix(TABLE_PREFIX).split("_")[0] not in alive:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


Spool = ChunkSpool | TableSpool


def for_this_database(folder: Path | None, *, all_rows_new: bool) -> Spool:
    """The spool for the importing connection's database (SQLite: a file in ``folder``);
    ``all_rows_new`` when no sales lines are stored yet."""
    if connection.vendor == "postgresql":
        return TableSpool(sum_up=all_rows_new)
    return ChunkSpool(folder, sum_up=all_rows_new)
