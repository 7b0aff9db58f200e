"""A chunk of sales rows merged into the sales lines in SQL, through a temporary staging table.

A chunk arrives in a temporary table without indexes: in one bulk statement (COPY on
PostgreSQL), or on SQLite copied from the reader thread's spool file (kam.sales.spool). The
database then finds the lines that exist already, reports the corrected ones and inserts the
new ones; kam.sales.facts brings the monthly facts up to date. The merge runs in the caller's
transaction, set by set, and releases the GIL meanwhile, so the reader thread reads on.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Index, UniqueConstraint

from kam.accounts.models import Account
from kam.core.db import analyze, planner_without
from kam.sales.models import MonthlyFact, SalesLine
from kam.sales.staging_columns import ROW_COLUMNS, ROW_NAMES, STAGED_NAMES, row_names

STAGING = "kam_sales_staging"
TOUCHED = "kam_sales_touched"
NEW_MONTHS = "kam_sales_new_months"
#: Stored lines that the file being imported matched so far, with the file's line of each.
FILE_LINES = "kam_sales_file_lines"
#: Months whose facts a first import recomputes after its indexes (kam.sales.facts).
PUT_OFF = "kam_sales_put_off"
#: Staged rows of a first import that may repeat an earlier chunk's, merged once the lines'
#: unique key is there (set_aside).
SET_ASIDE = "kam_sales_set_aside"
#: The set-aside rows being merged (take_set_aside).
SET_ASIDE_PIECE = "kam_sales_set_aside_piece"
IMPORT_LOCK = 0x6B616D  # "kam"

#: The values of a line that an ERP correction can change, in storage order.
VALUE_COLUMNS = (
    "account_id",
    "invoice_date",
    "product_number",
    "product_name",
    "quantity",
    "net_revenue_cents",
    "margin_cents",
    "cost_cents",
    "currency",
    "sales_rep",
    "freight_cents",
    "packaging_cents",
    "handling_cents",
)


@dataclass
class Merged:
    """What the database did (or, in a dry run, would do) with one staged chunk."""

    inserted: int
    unchanged: int
    # The highest line id before the new lines were inserted: theirs are above it.
    last_id_before: int
    # (line id, stored values, new values) of every line whose key exists with other values.
    changed: list[tuple[int, tuple, tuple]]
    # Rows whose key came in an earlier chunk of the file: with the same values (counted) and
    # with other values (line, invoice number, line number, the key's first line).
    duplicates: int = 0
    conflicts: list[tuple[int, str, int, int]] = field(default_factory=list)
    # (customer number, invoice date) of every staged row sorted out as a repeat or set aside:
    # the months whose sums a spool made before (kam.sales.facts.resum_totals).
    removed: list[tuple] = field(default_factory=list)
    # Rows set aside until the lines' unique key is there (set_aside).
    set_aside: int = 0


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _stored_values(currency_mark: str) -> dict[str, str]:
    """SQL for the stored form of each value of a staged row ``s``, cut to the column sizes
    (its account ``a`` joined by ``_with_account``)."""
    return {
        "account_id": "a.id",
        "invoice_date": "s.invoice_date",
        "product_number": "substr(s.product_number, 1, 60)",
        "product_name": "substr(s.product_name, 1, 200)",
        "quantity": "round(s.quantity, 3)",
        "net_revenue_cents": "s.net_revenue_cents",
        "margin_cents": "s.margin_cents",
        "cost_cents": "s.cost_cents",
        "currency": f"substr(COALESCE(s.currency, {currency_mark}), 1, 3)",
        "sales_rep": "substr(s.sales_rep, 1, 100)",
        "freight_cents": "s.freight_cents",
        "packaging_cents": "s.packaging_cents",
        "handling_cents": "s.handling_cents",
    }


def _with_account(table: str) -> str:
    """The staged rows ``s`` with their accounts ``a`` (none in a dry run for new customers).

    A join rather than a lookup per row: PostgreSQL hashes the accounts once.
    """
    accounts = _quote(Account._meta.db_table)
    return f"{table} s LEFT JOIN {accounts} a ON a.customer_number = s.customer_number"


def month_of(date_sql: str) -> str:
    if _on_postgres():
        # Truncated as a timestamp without time zone: a date would be truncated as a
        # timestamp with time zone, converted to the session's zone and back (twice the time).
        return f"CAST(date_trunc('month', CAST({date_sql} AS timestamp)) AS date)"
    return f"substr({date_sql}, 1, 8) || '01'"


def _differs(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if _on_postgres() else f"{left} IS NOT {right}"


def lock_imports() -> None:
    """Makes imports write one chunk at a time, until the caller's transaction ends.

    SQLite's write lock does this already; on PostgreSQL a transaction-level advisory lock does,
    and the chunk's statements get memory to sort in and no JIT compilation (which costs more
    than it saves on statements that run once). Its commit does not wait for the server to
    flush the chunk's log to disk (synchronous_commit off): a server crash may lose the last
    chunks committed, whole, with the import's counters, and running the import again stores
    them again.
    """
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL synchronous_commit = off")


#: PostgreSQL: a first import of a file this large (about 100,000 lines) builds the lines'
#: index by account and their unique key after its lines instead of keeping them current line
#: by line (defer_indexes).
DEFER_INDEX_MIN_BYTES = 10_000_000
#: ... and builds them once the file has stored this many lines: without them, the keys that
#: may repeat are looked up by scanning the file's lines, and the facts of months that chunks
#: share wait for the index to be recomputed.
DEFER_INDEX_MAX_LINES = 2_000_000


#: The lines' index by account (SalesLine.Meta.indexes).
ACCOUNT_INDEX = "line_account_month"
#: The lines' natural key (SalesLine.Meta.constraints).
KEY_CONSTRAINT = "one_line_per_invoice_position"
#: The facts' key (account, month) and their index by month (MonthlyFact.Meta).
FACT_KEY_CONSTRAINT = "one_fact_per_account_month"
FACT_MONTH_INDEX = "fact_month"


def _index(model, name: str) -> Index:
    return next(index for index in model._meta.indexes if index.name == name)


def _constraint(model, name: str) -> UniqueConstraint:
    return next(
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.name == name
    )


def _deferrable() -> list[tuple[type[SalesLine] | type[MonthlyFact], Index | UniqueConstraint]]:
    """The indexes and keys a first import defers (defer_indexes), in the order they are
    built."""
    return [
        (SalesLine, _index(SalesLine, ACCOUNT_INDEX)),
        (SalesLine, _constraint(SalesLine, KEY_CONSTRAINT)),
        (MonthlyFact, _index(MonthlyFact, FACT_MONTH_INDEX)),
        (MonthlyFact, _constraint(MonthlyFact, FACT_KEY_CONSTRAINT)),
    ]


def _missing() -> list[tuple[type[SalesLine] | type[MonthlyFact], Index | UniqueConstraint]]:
    """The deferrable indexes and keys that are not there (PostgreSQL)."""
    return [(model, made) for model, made in _deferrable() if not _exists(model, made)]


def _exists(model, index_or_key: Index | UniqueConstraint) -> bool:
    """PostgreSQL: whether the table has the index or key."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if isinstance(index_or_key, Index):
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexname = %s",
                [table, index_or_key.name],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conrelid = CAST(%s AS regclass) "
                "AND conname = %s",
                [_quote(table), index_or_key.name],
            )
        return cursor.fetchone() is not None


def account_index_exists() -> bool:
    """Whether the lines' index by account is there (always on SQLite)."""
    return not _on_postgres() or _exists(SalesLine, _index(SalesLine, ACCOUNT_INDEX))


def key_index_exists() -> bool:
    """Whether the lines' unique key (invoice number, line number) is there (always on
    SQLite)."""
    return not _on_postgres() or _exists(SalesLine, _constraint(SalesLine, KEY_CONSTRAINT))


def fact_key_exists() -> bool:
    """Whether the facts' unique key (account, month) is there (always on SQLite)."""
    return not _on_postgres() or _exists(MonthlyFact, _constraint(MonthlyFact, FACT_KEY_CONSTRAINT))


def defer_indexes() -> bool:
    """PostgreSQL, no lines stored: drops the lines' index by account and their unique key,
    and the facts' key and index by month; True if it did.

    Kept current line by line, the index by account (random places for every line) took more
    than half the server's time of a first import; built once after the lines, a fifth of it.
    The unique key takes the invoice numbers of an export sorted by customer at random places
    too: the lines' INSERT took twice as long with it as without (1,000,000 lines, 16.2 against
    7.2 s, and 2.3 s to build it after them, at load 4). The importer keeps the keys unique
    itself (the reader within a chunk, the merge against the lines stored before); the
    constraint comes back with the index and would refuse a repeated key then. The facts'
    two indexes took half of the time of their insert (335,431 facts: 1.16-1.27 s with them,
    0.57-0.59 s without, 0.25 s to build both after them); the importer inserts a fact only
    for an account and month that has none (kam.sales.facts.add_new_lines).

    Until build_deferred_indexes runs, the facts of touched months are recomputed with the
    index once it is there (kam.sales.facts.refresh_touched asks account_index_exists) and
    facts are inserted without a key to upsert by (fact_key_exists); the keys of rows that may
    repeat an earlier chunk's are looked up by a scan of the lines (_match_existing). Every
    import makes them all again first if a killed one left them missing, and then recomputes
    all facts.
    """
    if not _on_postgres():
        return False
    with transaction.atomic():
        lock_imports()
        if SalesLine.objects.exists():
            return False
        no_facts = not MonthlyFact.objects.exists()
        with connection.schema_editor(atomic=False) as editor:
            for model, index_or_key in _deferrable():
                if (model is SalesLine or no_facts) and _exists(model, index_or_key):
                    if isinstance(index_or_key, Index):
                        editor.remove_index(model, index_or_key)
                    else:
                        editor.remove_constraint(model, index_or_key)
    return True


def build_deferred_indexes(then: Callable[[], object] | None = None) -> None:
    """PostgreSQL: makes the lines' index by account and unique key, and the facts' key and
    index by month, where they are missing (after a first import that deferred them, or one
    that was killed meanwhile); ``then`` runs in the transaction that builds them, with them.

    Two builds at once: the keys' unique indexes on a connection of their own while this one
    builds the other indexes, then the keys from their indexes here (a moment each). Each
    build sorts with the server's parallel workers already, yet the four took 1.31-1.47 s one
    after the other at the end of a first import of 1,000,000 lines, and 1.20-1.21 s two at
    once (the lines' two alone, before the facts' were deferred too: 1.13-1.15 s).
    """
    if not _on_postgres():
        return
    # Inside an outer transaction (which may hold the tables' locks) one after the other.
    at_once = not connection.in_atomic_block
    if not _missing_without_leftovers():
        return
    with transaction.atomic():
        lock_imports()
        missing = _missing()
        if not missing:  # another import built them meanwhile
            return
        with connection.cursor() as cursor:
            # One sort of all lines each: memory for it in this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        keys = [(model, key) for model, key in missing if isinstance(key, UniqueConstraint)]
        beside = [_unique_index_sql(model, key) for model, key in keys] if at_once else []
        with _Beside(beside), connection.schema_editor(atomic=False) as editor:
            for model, made in missing:
                if isinstance(made, Index):
                    editor.add_index(model, made)
                elif not at_once:
                    editor.add_constraint(model, made)
        if at_once:
            with connection.cursor() as cursor:
                for model, key in keys:
                    name = _quote(key.name)
                    cursor.execute(
                        f"ALTER TABLE {_quote(model._meta.db_table)} "
                        f"ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"
                    )
        if then is not None:
            then()


def _unique_index_sql(model, key: UniqueConstraint) -> str:
    columns = ", ".join(_quote(model._meta.get_field(name).column) for name in key.fields)
    return f"CREATE UNIQUE INDEX {_quote(key.name)} ON {_quote(model._meta.db_table)} ({columns})"


def _missing_without_leftovers() -> bool:
    """Whether an index or key is missing; drops a missing key's unique index that a build
    killed between the index and the key left behind. In a transaction of its own: dropped
    inside the build's, its lock on the table would keep the second connection's build
    waiting for that transaction's end."""
    with transaction.atomic():
        lock_imports()
        missing = _missing()
        with connection.cursor() as cursor:
            for _model, key in missing:
                if isinstance(key, UniqueConstraint):
                    cursor.execute(f"DROP INDEX IF EXISTS {_quote(key.name)}")
    return bool(missing)


class _Beside:
    """Runs statements on a connection of its own, in a thread, while the block runs; raises
    what went wrong there after the block (its own error first)."""

    def __init__(self, statements: list[str]) -> None:
        self._statements = statements
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kam-index-build", daemon=True)

    def _run(self) -> None:
        try:
            with connection.wrap_database_errors:  # Django's errors, as on its connections
                self._run_statements()
        except BaseException as error:  # noqa: BLE001 (raised in the caller's thread)
            self._error = error

    def _run_statements(self) -> None:
        opened = connection.get_new_connection(connection.get_connection_params())
        try:
            opened.autocommit = True
            with opened.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for statement in self._statements:
                    cursor.execute(statement)
        finally:
            opened.close()

    def __enter__(self) -> _Beside:
        if self._statements:
            self._thread.start()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self._statements:
            self._thread.join()
        if kind is None and self._error is not None:
            raise self._error


def _columns(columns: Sequence[tuple[str, str]]) -> str:
    # SQLite stores staged values as given (no column types, no conversions); the merge
    # compares them in their stored form.
    return ", ".join(f"{name} {kind}" if _on_postgres() else name for name, kind in columns)


def staging_columns() -> str:
    """The columns of a table of staged rows: the reader's (ROW_COLUMNS), the matched line's id
    and, for a key that came earlier in the file, the line it came in first."""
    line_id, line = ("bigint", "integer") if _on_postgres() else ("", "")
    return f"{_columns(ROW_COLUMNS)}, line_id {line_id}, first_line {line}"


def prepare() -> None:
    """Creates the connection's temporary tables (once per connection) and empties them."""
    tables = {
        STAGING: staging_columns(),
        NEW_MONTHS: (
            "account_id bigint, month date, revenue_cents bigint, margin_cents bigint, "
            "line_count integer, invoice_count integer, purchase_days integer, "
            "first_purchase date, last_purchase date, freight_cents bigint, "
            "packaging_cents bigint, handling_cents bigint, has_fact boolean"
        ),
        TOUCHED: "account_id bigint, month date, PRIMARY KEY (account_id, month)",
    }
    empty = "TRUNCATE" if _on_postgres() else "DELETE FROM"
    with connection.cursor() as cursor:
        for table, columns in tables.items():
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({columns})")
            cursor.execute(f"{empty} {table}")


@contextmanager
def temporary_files_on_disk() -> Iterator[None]:
    """SQLite, outside a transaction: the connection's temporary files go to disk while the
    block runs (``temp_store`` FILE instead of kam's MEMORY), with 64 MB of cache for the
    temporary tables.

    A chunk's INSERT of 200,000 lines into a large table dirties more index pages than the
    page cache holds; SQLite writes some of them out and keeps the originals of those it
    changes again in the statement's journal, a temporary file. In memory that journal grew
    with the table: the importing process of a 10,000,000-line import took ~250 MB more
    during each chunk than a 1,000,000-line one (40 MB at a million lines). Changing
    ``temp_store`` drops the connection's temporary tables, which the import makes again.
    """
    if _on_postgres() or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        (was,) = cursor.fetchone()
        cursor.execute("PRAGMA temp_store = FILE")
        cursor.execute("PRAGMA temp.cache_size = -64000")
    try:
        yield
    finally:
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA temp_store = {int(was)}")


def start_file() -> None:
    """Forgets the lines the previous file matched (the connection's FILE_LINES table), the
    months whose facts it put off (PUT_OFF, recomputed at its end) and its rows set aside
    (SET_ASIDE, merged before its end unless it failed)."""
    empty = "TRUNCATE" if _on_postgres() else "DELETE FROM"
    line_id = "bigint" if _on_postgres() else "INTEGER"
    with connection.cursor() as cursor:
        for table in (SET_ASIDE, SET_ASIDE_PIECE) if _on_postgres() else ():
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({staging_columns()})")
            cursor.execute(f"{empty} {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {FILE_LINES} "
            f"(line_id {line_id} PRIMARY KEY, first_line integer)"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {PUT_OFF} "
            "(account_id bigint, month date, PRIMARY KEY (account_id, month))"
        )
        cursor.execute(f"{empty} {FILE_LINES}")
        cursor.execute(f"{empty} {PUT_OFF}")


def load(rows: Sequence[tuple], *, will_match: bool) -> int:
    """Stages the chunk's rows (tuples in ROW_COLUMNS order); returns how many.

    The caller keeps other Python threads off the GIL meanwhile (see kam.sales.pipeline).
    """
    prepare()
    if rows:
        bulk_insert(STAGING, row_names(len(rows[0])), rows)
    if will_match and _on_postgres():
        with connection.cursor() as cursor:
            # Temporary tables get no statistics of their own; without them the planner
            # guesses their size and may scan all sales lines to match a few staged rows.
            cursor.execute(f"ANALYZE {STAGING}")
    return len(rows)


SPOOL_SCHEMA = "kam_spool"


def attach_spooled(spool_file: str, number: int) -> tuple[str, int]:
    """SQLite: attaches the reader's file of chunk ``number`` (kam.sales.spool.ChunkSpool) to
    the connection; returns the table of its rows, which the merge takes them from, and how
    many rows it has. ``detach_spooled`` after the chunk's transaction.

    Outside the chunk's transaction: SQLite attaches no file inside one.
    """
    if connection.in_atomic_block:
        raise RuntimeError("attach_spooled runs between transactions")
    prepare()
    table = f"{SPOOL_SCHEMA}.rows_{int(number)}"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        if any(name == SPOOL_SCHEMA for _seq, name, _file in cursor.fetchall()):
            cursor.execute(f"DETACH DATABASE {SPOOL_SCHEMA}")  # left by a failed chunk
        cursor.execute(f"ATTACH DATABASE %s AS {SPOOL_SCHEMA}", [spool_file])
        # The merge marks rows there; nobody reads the file after the chunk.
        cursor.execute(f"PRAGMA {SPOOL_SCHEMA}.journal_mode = OFF")
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        (rows,) = cursor.fetchone()
    return table, rows


def spooled_table_exists(name: str) -> bool:
    """SQLite: whether the attached chunk file has the table ``name``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {SPOOL_SCHEMA}.sqlite_master WHERE type = 'table' AND name = %s",  # noqa: S608
            [name],
        )
        return cursor.fetchone() is not None


def detach_spooled() -> None:
    """SQLite: detaches the chunk's file that attach_spooled attached."""
    if connection.in_atomic_block:
        raise RuntimeError("detach_spooled runs between transactions")
    with connection.cursor() as cursor:
        cursor.execute(f"DETACH DATABASE {SPOOL_SCHEMA}")


def last_line_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_quote(SalesLine._meta.db_table)}")  # noqa: S608
        return cursor.fetchone()[0]


# Rows a statement of insert_missing: 500 rows of 16 values stay far below both databases'
# limits on parameters (SQLite 32,766, PostgreSQL 65,535).
INSERT_BATCH = 500


def bulk_insert(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Stores rows in one bulk statement: COPY on PostgreSQL, executemany on SQLite.

    Both hand the rows over one by one: the caller keeps other Python threads off the GIL.
    """
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if _on_postgres():
            raw = cursor.cursor  # psycopg's own cursor: COPY is several times faster
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def insert_missing(table: str, columns: Sequence[str], rows: Sequence[Sequence], key: str) -> int:
    """Inserts the rows whose ``key`` column is not taken yet (INSERT ... ON CONFLICT DO
    NOTHING, on SQLite and PostgreSQL); returns how many it inserted.

    Safe when another transaction inserts the same keys at the same moment: the database
    decides, and whoever comes second skips them instead of failing.
    """
    names = ", ".join(columns)
    if _on_postgres() and connection.in_atomic_block:
        return _copy_missing(table, names, rows, key)
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
                f"{', '.join([row_marks] * len(batch))} ON CONFLICT ({key}) DO NOTHING",
                [value for row in batch for value in row],
            )
            inserted += max(cursor.rowcount, 0)
    return inserted


def _copy_missing(table: str, names: str, rows: Sequence[Sequence], key: str) -> int:
    """PostgreSQL: insert_missing through COPY into a table of the transaction (20,000 new
    accounts: one statement instead of forty of 500 rows, whose 300,000 parameters psycopg
    adapts one by one)."""
    new_rows = "kam_sales_new_rows"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {new_rows} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {new_rows} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {new_rows} "  # noqa: S608
            f"ORDER BY {key} ON CONFLICT ({key}) DO NOTHING"
        )
        inserted = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {new_rows}")
    return inserted


def merge(
    rows: int,
    *,
    currency: str,
    sales_import_id: int | None,
    table_was_empty: bool,
    table: str = STAGING,
    file_first_id: int = 0,
    repeat_candidates: int | None = None,
    set_aside: bool = False,
) -> Merged:
    """Finds, reports and inserts the ``rows`` staged rows (in ``table``: the connection's
    staging table or a spool's); with ``sales_import_id`` None (a dry run) it only counts.

    A row whose key came in an earlier chunk of the same file is sorted out first: its key's
    line is one this file inserted (an id above ``file_first_id``, with this import's id) or
    one it matched before (FILE_LINES), and that line holds the values of the key's first row.

    ``repeat_candidates``: how many staged rows the reader marked as keys that may have come
    before (None: not known). With no lines stored before the file and none marked, no row
    can match nor repeat a stored line: the three passes over the staged rows that look for
    them are left out (PostgreSQL: 0.8 s of the server's 8 s for a million lines).

    ``set_aside``: the import deferred the lines' unique key (defer_indexes); while it is
    missing, the marked rows go to SET_ASIDE instead of being looked up (_set_aside).
    """
    lock_imports()
    last_id = last_line_id()
    lines = _quote(SalesLine._meta.db_table)
    with connection.cursor() as cursor:
        duplicates = 0
        conflicts: list[tuple[int, str, int, int]] = []
        removed: list[tuple] = []
        aside = 0
        if set_aside and repeat_candidates != 0 and not key_index_exists():
            aside, removed = _set_aside(cursor, table)
        elif not (table_was_empty and repeat_candidates == 0):
            # With no lines stored before the file, only this file's own lines can match, and
            # only rows whose key the reader has seen before may (kam.sales.pipeline.KeyFilter).
            _match_existing(cursor, table, lines, last_id, candidates_only=table_was_empty)
            duplicates, conflicts, removed = _sort_out_repeats(
                cursor, table, lines, currency, file_first_id, sales_import_id
            )
            more_duplicates, more_conflicts, more_removed = _sort_out_repeats_within(cursor, table)
            duplicates += more_duplicates
            conflicts = sorted(conflicts + more_conflicts)
            removed += more_removed
        matched, changed = 0, []
        if not table_was_empty:
            changed = _changed(cursor, table, lines, currency)
            cursor.execute(f"SELECT COUNT(line_id) FROM {table}")  # noqa: S608
            (matched,) = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {FILE_LINES} (line_id, first_line) "  # noqa: S608
                f"SELECT line_id, source_line FROM {table} WHERE line_id IS NOT NULL"
            )
        if sales_import_id is not None:
            _insert_new(cursor, table, lines, currency, sales_import_id)
    return Merged(
        inserted=rows - duplicates - len(conflicts) - matched - aside,
        unchanged=matched - len(changed),
        last_id_before=last_id,
        changed=changed,
        duplicates=duplicates,
        conflicts=conflicts,
        removed=removed,
        set_aside=aside,
    )


def _set_aside(cursor, table: str) -> tuple[int, list[tuple]]:
    """Moves the rows the reader marked (keys that may have come in an earlier chunk) from
    ``table`` to SET_ASIDE; returns how many and their (customer number, invoice date) pairs.

    Without the unique key, looking them up took a scan of every line the file had stored so
    far, for each chunk, and several passes over the chunk (PostgreSQL, the realistic export of
    a million lines: about 1.6 of the importing server's CPU seconds). Once the key is there,
    they are merged as one more chunk, in the order of their lines (kam.sales.importer); a
    marked row's key came first in an earlier chunk, in this one or in no row at all, and
    every later row of its key is marked too (the reader's filter forgets no key).
    """
    cursor.execute(
        _moving(table, "s.repeat_candidate", SET_ASIDE)  # noqa: S608
        + "SELECT customer_number, invoice_date, COUNT(*) FROM moved GROUP BY 1, 2"
    )
    pairs = cursor.fetchall()
    return sum(count for *_, count in pairs), [(customer, date) for customer, date, _ in pairs]


def take_set_aside(rows: int) -> int:
    """Moves the first ``rows`` rows set aside, in the order of their lines, to
    SET_ASIDE_PIECE, which the merge takes them from; returns how many.

    A piece at a time, as the file's chunks: a file that repeats itself (an export written twice
    into one file) sets aside half of its lines, up to DEFER_INDEX_MAX_LINES, and the merge reads
    a chunk's repeats into memory. A later piece finds the rows of an earlier one among the
    file's lines, as a chunk finds those of the chunks before it.
    """
    first = f"s.source_line IN (SELECT source_line FROM {SET_ASIDE} ORDER BY source_line LIMIT %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SET_ASIDE_PIECE}")  # noqa: S608
        cursor.execute(
            _moving(SET_ASIDE, first, SET_ASIDE_PIECE) + "SELECT COUNT(*) FROM moved",  # noqa: S608
            [rows],
        )
        return cursor.fetchone()[0]


def _moving(source: str, condition: str, target: str) -> str:
    """SQL: a WITH clause that moves the staged rows ``s`` of ``source`` that meet
    ``condition`` to ``target``; the statement that follows it reads them as ``moved``."""
    names = ", ".join(ROW_NAMES)
    return (
        f"WITH moved AS (DELETE FROM {source} s WHERE {condition} RETURNING {names}), "  # noqa: S608
        f"kept AS (INSERT INTO {target} ({names}) SELECT {names} FROM moved) "
    )


def has_rows(cursor, table: str, where: str = "") -> bool:
    """Whether ``table`` has a row (``where``: one that meets this SQL condition)."""
    condition = f" WHERE {where}" if where else ""
    cursor.execute(f"SELECT 1 FROM {table}{condition} LIMIT 1")  # noqa: S608
    return cursor.fetchone() is not None


def _match_existing(
    cursor, table: str, lines: str, last_id: int, *, candidates_only: bool = False
) -> None:
    """Marks the staged rows whose key a line stored before this chunk has."""
    if candidates_only and not key_index_exists():
        # A first import that deferred the unique key: one scan of the lines with a hash of
        # the few rows that may repeat, never a scan per row; none at all where the chunk has
        # no such row (the bench file: no repeats, a few of the Bloom filter's false "maybe").
        if not has_rows(cursor, table, "repeat_candidate"):
            return
        with planner_without(cursor, "nestloop", "mergejoin"):
            _match_joined(cursor, table, lines, last_id, candidates_only=True)
        return
    if _on_postgres() and not candidates_only:
        # Each staged row looks its key up in the key's index. The planner hashed the staged
        # rows and read all lines instead, for every chunk: the realistic next export (164,998
        # rows against 1,000,000 lines) took 0.92-0.98 s for this instead of 0.39-0.50 s, the
        # re-import of the bench file 6.4 instead of 4.2 s. (Without the key, while another
        # import's first file defers it, a row would read all lines: the planner decides.)
        off = ("hashjoin", "mergejoin") if key_index_exists() else ()
        with planner_without(cursor, *off):
            _match_joined(cursor, table, lines, last_id, candidates_only=False)
        # The statistics the spool gathered had no row matched yet: the corrections' search
        # (_changed) was planned for one matched row, with each row's account looked for by a
        # scan of the accounts; 20,000 lines of the last customers into a million took 6.3 s.
        analyze(cursor, table, ["line_id"])
        return
    if not _on_postgres() and sqlite3.sqlite_version_info >= (3, 33):
        # Only the matched rows are written, not every row (the realistic next export: 0.14
        # instead of 0.19 s). PostgreSQL keeps the subquery for the few marked rows of a first
        # import: joined instead, its planner may hash all lines.
        _match_joined(cursor, table, lines, last_id, candidates_only=candidates_only)
        return
    cursor.execute(
        f"UPDATE {table} SET line_id = (SELECT l.id FROM {lines} l "  # noqa: S608
        f"WHERE l.invoice_number = {table}.invoice_number "
        f"AND l.line_number = {table}.line_number AND l.id <= %s)"
        + (" WHERE repeat_candidate" if candidates_only else ""),
        [last_id],
    )


def _match_joined(cursor, table: str, lines: str, last_id: int, *, candidates_only: bool) -> None:
    """Gives each staged row (``candidates_only``: each the reader marked) whose key a line up
    to ``last_id`` has that line's id, by a join (an UPDATE ... FROM)."""
    cursor.execute(
        f"UPDATE {table} AS s SET line_id = l.id FROM {lines} l "  # noqa: S608
        "WHERE l.invoice_number = s.invoice_number AND l.line_number = s.line_number "
        "AND l.id <= %s" + (" AND s.repeat_candidate" if candidates_only else ""),
        [last_id],
    )


def _sort_out_repeats(
    cursor, table: str, lines: str, currency: str, file_first_id: int, sales_import_id: int | None
) -> tuple[int, list[tuple[int, str, int, int]], list[tuple]]:
    """Takes the rows whose key came earlier in the file out of the table; returns how many had
    the same values as the key's line, the others (line, invoice, position, first line) and
    the (customer number, invoice date) of all of them."""
    # Only a key the reader marked may have come in an earlier chunk of the file (its filter
    # says "maybe" for every key it has seen, kam.sales.pipeline.KeyFilter; a dry run's reader
    # sorts out every repeat itself): the other matched rows, a next export's lines of the
    # months it shares with the stored ones, are not looked up twice more (PostgreSQL: 90 ms
    # of the realistic next export's 38,000 matched rows).
    cursor.execute(
        f"UPDATE {table} SET first_line = COALESCE("  # noqa: S608
        f"(SELECT m.first_line FROM {FILE_LINES} m WHERE m.line_id = {table}.line_id), "
        f"(SELECT l.source_line FROM {lines} l WHERE l.id = {table}.line_id "
        "AND l.id > %s AND l.sales_import_id = %s)) "
        "WHERE line_id IS NOT NULL AND repeat_candidate",
        [file_first_id, -1 if sales_import_id is None else sales_import_id],
    )
    if not cursor.rowcount:
        return 0, [], []
    stored = _stored_values("%s")
    differs = " OR ".join(_differs(stored[column], f"l.{column}") for column in VALUE_COLUMNS)
    # The repeats are few and their lines are found by id: a staged table without statistics
    # (a first import's) made PostgreSQL hash all lines instead, 0.3 s a chunk at a million.
    with planner_without(cursor, "hashjoin", "mergejoin"):
        cursor.execute(
            f"SELECT s.source_line, s.invoice_number, s.line_number, s.first_line, "  # noqa: S608
            f"CASE WHEN {differs} THEN 1 ELSE 0 END, s.customer_number, s.invoice_date "
            f"FROM {_with_account(table)} JOIN {lines} l ON l.id = s.line_id "
            "WHERE s.first_line IS NOT NULL ORDER BY s.source_line",
            [currency],
        )
        repeats = cursor.fetchall()
    if not repeats:
        return 0, [], []
    cursor.execute(f"DELETE FROM {table} WHERE first_line IS NOT NULL")  # noqa: S608
    conflicts = [row[:4] for row in repeats if row[4]]
    return len(repeats) - len(conflicts), conflicts, [row[5:] for row in repeats]


def _sort_out_repeats_within(
    cursor, table: str
) -> tuple[int, list[tuple[int, str, int, int]], list[tuple]]:
    """Takes the later rows of a key that the chunk has more than once out of the table (the
    reader leaves them in when the key may have come earlier, see _sort_out_repeats); returns
    how many had the first one's values, the others (line, invoice, position, first line) and
    the (customer number, invoice date) of all of them."""
    names = ", ".join(STAGED_NAMES)
    cursor.execute(
        f"SELECT source_line, {names} FROM {table} WHERE repeat_candidate "  # noqa: S608
        "ORDER BY source_line"
    )
    first: dict[tuple, tuple[int, tuple]] = {}
    later, duplicates, conflicts, removed = [], 0, [], []
    customer, date = STAGED_NAMES.index("customer_number"), STAGED_NAMES.index("invoice_date")
    for line, *values in cursor.fetchall():
        key = (values[0], values[1])
        if key not in first:
            first[key] = (line, tuple(values))
            continue
        later.append(line)
        removed.append((values[customer], values[date]))
        first_line, first_values = first[key]
        if first_values == tuple(values):
            duplicates += 1
        else:
            conflicts.append((line, key[0], key[1], first_line))
    for start in range(0, len(later), INSERT_BATCH):
        batch = later[start : start + INSERT_BATCH]
        cursor.execute(
            f"DELETE FROM {table} WHERE source_line IN ({', '.join(['%s'] * len(batch))})",  # noqa: S608
            batch,
        )
    return duplicates, conflicts, removed


def _changed(cursor, table: str, lines: str, currency: str) -> list[tuple[int, tuple, tuple]]:
    stored = _stored_values("%s")
    new = ", ".join(stored[column] for column in VALUE_COLUMNS)
    old = ", ".join(f"l.{column}" for column in VALUE_COLUMNS)
    differs = " OR ".join(_differs(stored[column], f"l.{column}") for column in VALUE_COLUMNS)
    # The currency mark appears once in the select list and once in the condition. Each
    # matched row's line is looked up by its id: the planner hashed the matched rows and read
    # all lines instead, in parallel workers that took the cores from the reader (the realistic
    # next export: 144-181 ms a chunk against 74-105; the bench file's re-import: 9.3-9.5 s
    # against 8.6 s).
    with planner_without(cursor, "hashjoin", "mergejoin"):
        cursor.execute(
            f"SELECT l.id, {new}, {old} FROM {_with_account(table)} "  # noqa: S608
            f"JOIN {lines} l ON l.id = s.line_id WHERE {differs}",
            [currency, currency],
        )
        found = cursor.fetchall()
    width = len(VALUE_COLUMNS)
    return [(row[0], tuple(row[1 + width :]), tuple(row[1 : 1 + width])) for row in found]


def _insert_new(cursor, table: str, lines: str, currency: str, sales_import_id: int) -> None:
    stored = _stored_values("%s")
    columns = ", ".join(
        (*VALUE_COLUMNS, "invoice_number", "line_number", "invoice_month", "source_line")
    )
    values = ", ".join(stored[column] for column in VALUE_COLUMNS)
    month = month_of("s.invoice_date")
    # In file order: ERP exports come by invoice number, and so the natural key's index grows
    # page by page (sorting by account instead was slower in the benchmark).
    cursor.execute(
        f"INSERT INTO {lines} ({columns}, sales_import_id) "  # noqa: S608
        f"SELECT {values}, s.invoice_number, s.line_number, {month}, s.source_line, %s "
        f"FROM {_with_account(table)} WHERE s.line_id IS NULL",
        [currency, sales_import_id],
    )


def touched_months() -> tuple[str, str] | None:
    """The first and the last month ("YYYY-MM") of the touched pairs; None if there are none."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(month), MAX(month) FROM {TOUCHED}")  # noqa: S608
        first, last = cursor.fetchone()
    if first is None:
        return None
    return str(first)[:7], str(last)[:7]


def touch(pairs: Iterable[tuple[int, str]]) -> None:
    """Adds (account id, ISO month) pairs whose facts have to be recomputed."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TOUCHED} (account_id, month) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT DO NOTHING",
            list(pairs),
        )
