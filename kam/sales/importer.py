"""The sales import: ERP export files → sales lines and monthly facts, exactly and idempotently.

Each chunk of rows is written in one transaction together with the facts it changes and the
import's counters, so an import killed at any moment leaves whole chunks behind, and running it
again finishes the job: lines already stored with the same values count as unchanged.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import IO, overload

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.core.audit import Source, audit_source
from kam.core.plugins import hooks_call
from kam.core.services import bulk_event_record
from kam.sales import facts, staging
from kam.sales import spool as spools
from kam.sales.models import (
    ImportRejection,
    ImportStatus,
    SalesImport,
    SalesLine,
    SalesLineChange,
)
from kam.sales.pipeline import (
    DUPLICATE_WITH_OTHER_VALUES,
    KnownCustomers,
    ReaderGate,
    RowSorter,
    SortedChunk,
    prefetched,
)
from kam.sales.reader_process import read_in_process
from kam.sales.reading import FileRefused, SalesFile, open_sales_file
from kam.sales.reading.dates import latest_plausible_date
from kam.sales.staging import VALUE_COLUMNS

CHUNK_SIZE = 200_000
#: New accounts stored by one statement (_create_accounts).
ACCOUNT_BATCH = 20_000
QUANTUM = Decimal("0.001")


class ImportRefused(Exception):  # noqa: N818 (reads as what happened to the import)
    """A file as a whole cannot be used; nothing was written."""

    def __init__(self, file: str, message: str) -> None:
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}")


class RejectedRows(Sequence[dict]):
    """The rejected rows of an import, in file order, as dicts (file, line, column, value,
    reason, code).

    An import that stores them (ImportRejection, with each chunk) keeps only the first ``KEPT``
    in memory and reads the others back when asked: a file with a million bad rows does not
    grow the import's memory. A dry run stores nothing and keeps them all.

    Rows come in file order, but for those added ``late`` (a first import's rows set aside,
    merged at the end of their file): from then on the rows are put in order of file and line.
    """

    KEPT = 1_000

    def __init__(self, rows: Iterable[dict] = ()) -> None:
        self._kept: list[dict] = list(rows)
        self._count = len(self._kept)
        self._stored_by: int | None = None  # the import that stores them
        self._files: dict[str, int] = {}  # file name → its place among the files
        self._late = False

    def add(self, rows: list[dict], *, stored_by: int | None, late: bool = False) -> None:
        if stored_by is not None:
            self._stored_by = stored_by
        self._count += len(rows)
        for name in dict.fromkeys(row["file"] for row in rows):
            self._files.setdefault(name, len(self._files))
        self._late |= late and bool(rows)
        if self._late:
            kept = sorted(self._kept + rows, key=self._place)
            self._kept = kept if stored_by is None else kept[: self.KEPT]
        elif stored_by is None:
            self._kept += rows
        else:
            self._kept += rows[: max(self.KEPT - len(self._kept), 0)]

    def _place(self, row: dict) -> tuple[int, int]:
        return self._files[row["file"]], row["line"]

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict]:
        yield from self._kept
        if self._stored_by is None or self._count == len(self._kept):
            return
        stored = ImportRejection.objects.filter(sales_import_id=self._stored_by)
        more: Iterator[ImportRejection]
        if self._late:  # in order of file and line
            more = chain.from_iterable(
                stored.filter(file=name).order_by("line", "id").iterator(chunk_size=2_000)
                for name in self._files
            )
        else:
            more = stored.order_by("id").iterator(chunk_size=2_000)
        for rejection in islice(more, len(self._kept), None):
            yield {
                "file": rejection.file,
                "line": rejection.line,
                "column": rejection.column,
                "value": rejection.value,
                "reason": rejection.reason,
                "code": rejection.code,
            }

    @overload
    def __getitem__(self, index: int) -> dict: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict]: ...
    def __getitem__(self, index: int | slice) -> dict | list[dict]:
        if isinstance(index, slice):
            bounded = index.stop is not None and index.stop >= 0 and (index.start or 0) >= 0
            return list(islice(self, index.stop))[index] if bounded else list(self)[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._kept[index] if index < len(self._kept) else next(islice(self, index, None))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    accounts_created: int = 0
    rejected: RejectedRows = field(default_factory=RejectedRows)

    def as_json(self) -> dict:
        return {**self._counts(), "rejected": list(self.rejected)}

    def _counts(self) -> dict:
        return {
            "files": self.files,
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates_in_file": self.duplicates_in_file,
        }

    def write_json(self, out: IO[str]) -> None:
        """Writes ``as_json()`` to ``out`` with the rejected rows streamed one by one."""
        head = json.dumps(self._counts(), ensure_ascii=False, indent=2)
        out.write(head[:-2] + ',\n  "rejected": [')
        for number, rejected in enumerate(self.rejected):
            out.write(("," if number else "") + "\n    " + json.dumps(rejected, ensure_ascii=False))
        out.write("\n  ]\n}" if self.rejected else "]\n}")


Progress = Callable[[str, int, int], None]  # file name, rows done in it, rows expected


def latest_invoice_date():
    """The latest plausible invoice date: KAM_IMPORT_MAX_FUTURE_DAYS after today."""
    return latest_plausible_date(settings.KAM_IMPORT_MAX_FUTURE_DAYS, timezone.localdate())


def open_files(
    paths: list[Path], names: list[str], mapping: dict[str, str] | None
) -> list[SalesFile]:
    """Opens every file before anything is written, so a bad file stops the whole import."""
    opened = []
    for path, name in zip(paths, names, strict=True):
        try:
            opened.append(
                open_sales_file(
                    path, mapping_overrides=mapping or None, latest_date=latest_invoice_date()
                )
            )
        except FileRefused as refused:
            raise ImportRefused(name, str(refused)) from None
    return opened


def expected_rows(path: Path) -> int:
    """Lines in the file minus the header: a cheap upper bound for the progress bar."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return 0
    count = 0
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            count += block.count(b"\n")
    return max(count - 1, 0)


def import_sales(
    *,
    paths: list[Path],
    names: list[str] | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    user=None,
    source: str = Source.CLI,
    progress: Progress | None = None,
    sales_import: SalesImport | None = None,
) -> tuple[ImportReport, SalesImport | None]:
    """Imports the files; returns the report and the import record (None for a dry run)."""
    names = names or [path.name for path in paths]
    files = open_files(paths, names, mapping)
    expected = [expected_rows(path) for path in paths]
    if not dry_run:
        sales_import = _start_record(
            sales_import, paths, names, files, user, source, mapping, sum(expected)
        )
    run = _ImportRun(sales_import=sales_import, dry_run=dry_run, progress=progress)
    with audit_source(Source.IMPORT):
        try:
            for number, (sales_file, name, rows) in enumerate(
                zip(files, names, expected, strict=True), start=1
            ):
                run.import_file(sales_file, name, expected_rows=rows, last=number == len(files))
        except FileRefused as refused:
            _fail(sales_import, name, str(refused))
            raise ImportRefused(name, str(refused)) from None
        except BaseException as error:
            _fail(sales_import, "", repr(error))
            raise
        _finish(sales_import, run.report)
    return run.report, sales_import


def _start_record(  # noqa: PLR0913 (the record's fields)
    sales_import, paths, names, files, user, source, mapping, rows_expected
) -> SalesImport:
    sales_import = sales_import or SalesImport(user=user, source=source)
    sales_import.files = [
        {"name": name, "path": str(path)} for name, path in zip(names, paths, strict=True)
    ]
    sales_import.mapping = {
        "overrides": mapping or {},
        "detected": {name: f.mapping for name, f in zip(names, files, strict=True)},
    }
    sales_import.status = ImportStatus.RUNNING
    sales_import.rows_expected = rows_expected
    sales_import.save()
    return sales_import


def _fail(sales_import: SalesImport | None, file: str, message: str) -> None:
    if sales_import is None:
        return
    sales_import.status = ImportStatus.FAILED
    sales_import.error = f"{file}: {message}" if file else message
    sales_import.finished_at = timezone.now()
    sales_import.save(update_fields=["status", "error", "finished_at"])


def _finish(sales_import: SalesImport | None, report: ImportReport) -> None:
    if sales_import is None:
        return
    sales_import.status = ImportStatus.DONE
    sales_import.finished_at = timezone.now()
    sales_import.save(update_fields=["status", "finished_at"])
    bulk_event_record(
        action="sales_import",
        summary=(
            f"Import #{sales_import.pk}: {report.imported} neu, {report.updated} geändert, "
            f"{report.unchanged} unverändert, {len(report.rejected)} abgelehnt"
        ),
        row_count=report.rows,
        user=sales_import.user,
        source=Source.IMPORT,
    )


class _ImportRun:
    def __init__(self, *, sales_import, dry_run: bool, progress: Progress | None) -> None:
        self.sales_import = sales_import
        self.dry_run = dry_run
        self.progress = progress
        self.report = ImportReport()
        # A dry run creates no accounts: it counts the numbers neither stored nor seen before
        # in the run, and so keeps every number it has seen (as it keeps every key).
        self.known_customers = (
            KnownCustomers(limit=None) if dry_run else KnownCustomers(_stored_customer_numbers())
        )
        self.currency = settings.KAM_COMPANY_CURRENCY
        self.table_was_empty = not SalesLine.objects.exists()
        self.own_last_line_id = 0  # the newest line while only this run stores lines
        self.file_name = ""
        self.more_files = True  # another file of the import comes after the one being imported
        self.file_first_id = 0  # the newest line before the file being imported
        # The file's lines go in without their unique key (staging.defer_indexes): rows that
        # may repeat an earlier chunk's are set aside until it is there (staging.merge).
        self.keys_deferred = False
        self.rows_set_aside = False
        # While only this run stores lines in a table that was empty: per chunk of the file, the
        # newest line before its lines, and its first and last month (facts.refresh_touched).
        self.chunk_months: list[tuple[int, str, str]] = []

    def import_file(
        self, sales_file: SalesFile, name: str, *, expected_rows: int = 0, last: bool = False
    ) -> None:
        """Imports one file; ``last``: no file of the import comes after it."""
        self.report.files.append(name)
        self.more_files = not last
        # Millions of small tuples would make the cyclic collector walk the heap again and
        # again; nothing the importer builds forms reference cycles.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            with staging.temporary_files_on_disk():
                self._import_chunks(sales_file, name, expected_rows)
        finally:
            if gc_was_on:
                gc.enable()
        # The next file may repeat this one's lines: from now on they have to be looked up.
        self.table_was_empty = False

    def _import_chunks(self, sales_file: SalesFile, name: str, expected_rows: int) -> None:
        # A dry run stores no lines that later chunks could find their keys in.
        sorter = RowSorter(name, self.known_customers, whole_file=self.dry_run)
        self.file_name = name
        self.chunk_months = []
        staging.start_file()
        self.file_first_id = staging.last_line_id()
        self.keys_deferred = self._defer_indexes(sales_file)
        self.rows_set_aside = False
        gate = ReaderGate()
        # The reader stages the chunks itself, in a spool (kam.sales.spool), between the
        # importing connection's transactions: inside an outer one, SQLite cannot attach the
        # spool's file, and on PostgreSQL the outer transaction would keep the spool's tables
        # locked until its end. With a spool the reader is a process of its own
        # (kam.sales.reader_process); without, a thread that the gate parks.
        spool = None
        if not connection.in_atomic_block:
            spool = spools.for_this_database(_database_folder(), all_rows_new=self.table_was_empty)
        forked = spool is not None and _may_fork()
        # The last chunks get smaller (RowSorter.chunks): less work after the reader's end; on
        # SQLite the first ones ramp up.
        ramp = connection.vendor != "postgresql"
        if forked:
            chunks = read_in_process(
                lambda stop_sign: sorter.chunks(
                    sales_file, CHUNK_SIZE, stop_sign, spool, expected_rows=expected_rows, ramp=ramp
                )
            )
        else:
            chunks = prefetched(
                sorter.chunks(
                    sales_file, CHUNK_SIZE, gate, spool, expected_rows=expected_rows, ramp=ramp
                ),
                gate=gate,
            )
        done = 0
        failed = True
        try:
            for chunk in chunks:
                if forked and self.more_files:
                    # What the reader process learnt about customers, for the next file (not
                    # kept for none: 200,000 numbers are 20 MB of a 10,000,000-line import).
                    self.known_customers.add(set(chunk.new_customers))
                chunk_rows = chunk.rows
                self._import_chunk(chunk, gate, spool)
                # The collector is off during the file (see import_file): what a chunk left
                # in reference cycles is freed here, so that it does not pile up chunk by chunk.
                del chunk
                gc.collect(1)  # what came since the last chunk, not the whole heap
                done += chunk_rows
                if self.keys_deferred and done >= staging.DEFER_INDEX_MAX_LINES:
                    staging.build_deferred_indexes(then=facts.refresh_put_off)
                    self.keys_deferred = False
                    self._merge_set_aside(gate)
                if self.progress:
                    self.progress(name, done, 0)
            failed = False
        finally:
            chunks.close()  # the reader stops writing into the spool before it is removed
            if spool is not None:
                spool.close()
            if self.keys_deferred:
                self._build_deferred_indexes(failed=failed)
                self.keys_deferred = False
        self._merge_set_aside(gate)

    def _merge_set_aside(self, gate: ReaderGate) -> None:
        """Merges the rows set aside while the unique key was missing, once it is there, in
        pieces of a chunk's size, a transaction each."""
        while self.rows_set_aside:
            with transaction.atomic():
                staging.lock_imports()
                self._merge_set_aside_piece(gate)

    def _merge_set_aside_piece(self, gate: ReaderGate) -> None:
        """The next rows set aside, in the order of their lines, merged as one more chunk:
        their keys are looked up in the key, repeats of the file sorted out, their conflicts
        reported among the file's rejected rows in the order of their lines (RejectedRows),
        their facts made."""
        staging.prepare()  # the months and facts' tables of the chunk before
        rows = staging.take_set_aside(CHUNK_SIZE)
        self.rows_set_aside = rows == CHUNK_SIZE  # maybe more
        if not rows:
            return
        taken = spools.Taken(staging.SET_ASIDE_PIECE, rows, None)
        merged = self._merge(taken, candidates=rows)
        rejected = self._rejected([], merged, late=True)
        if self.table_was_empty:
            self.own_last_line_id = staging.last_line_id()
        self._write(merged, rejected, gate, None)
        staging.prepare()  # for the chunk that may come next in this transaction

    @staticmethod
    def _build_deferred_indexes(*, failed: bool) -> None:
        """After a file that deferred the indexes; after a failure, as far as the connection
        still works (the next import makes them otherwise), without hiding the failure."""
        if not failed:
            staging.build_deferred_indexes(then=facts.refresh_put_off)
            return
        with contextlib.suppress(Exception):
            staging.build_deferred_indexes(then=facts.refresh_put_off)

    def _defer_indexes(self, sales_file: SalesFile) -> bool:
        """PostgreSQL: whether this file's lines go in without the index by account and the
        unique key, which are built after them (staging.defer_indexes): a large file into an
        empty table, outside an outer transaction. Any other import first makes them again if
        a killed first import left them missing, and the facts with them."""
        if self.dry_run:
            return False
        if (
            self.table_was_empty
            and not connection.in_atomic_block
            and sales_file.path.stat().st_size >= staging.DEFER_INDEX_MIN_BYTES
        ):
            return staging.defer_indexes()
        # Missing here, they were left by a first import that was killed, maybe with facts it
        # put off (facts.refresh_touched): all are recomputed with them.
        staging.build_deferred_indexes(then=facts.refresh_all)
        return False

    def _import_chunk(
        self, chunk: SortedChunk, gate: ReaderGate, spool: spools.Spool | None
    ) -> None:
        taken = None
        if spool is not None and chunk.spooled is not None:
            taken = spool.take(chunk.spooled, chunk.spooled_rows)
        # One transaction a chunk: its new accounts, lines, facts and the import's counters.
        with transaction.atomic():
            staging.lock_imports()  # other imports' chunks wait (SQLite: its write lock)
            if self.rows_set_aside and staging.key_index_exists():
                # Another import made the key meanwhile (build_deferred_indexes): the rows set
                # aside go in before rows of later lines can match them.
                while self.rows_set_aside:
                    self._merge_set_aside_piece(gate)
            self._count_sorted(chunk)
            self._check_still_alone()
            if self.dry_run:
                self.report.accounts_created += _missing_accounts(chunk.new_customers)
            elif chunk.new_customers:
                with gate.closed():
                    self.report.accounts_created += _create_accounts(chunk.new_customers)
            if taken is None:
                with gate.closed():
                    rows = staging.load(
                        list(chunk.rows_to_stage()), will_match=not self.table_was_empty
                    )
                taken = spools.Taken(staging.STAGING, rows, None)
            merged = self._merge(taken, chunk.candidates)
            self.rows_set_aside |= merged.set_aside > 0
            if self.table_was_empty and chunk.months is not None:
                self.chunk_months.append((merged.last_id_before, *chunk.months))
            rejected = self._rejected(chunk.rejected, merged)
            if self.table_was_empty and not self.dry_run:
                self.own_last_line_id = staging.last_line_id()
            if self.dry_run:
                transaction.set_rollback(True)  # the staged rows were only counted
            else:
                self._write(merged, rejected, gate, self._new_line_totals(taken, merged))
        if spool is not None and chunk.spooled is not None:
            spool.release(chunk.spooled)

    @staticmethod
    def _new_line_totals(taken: spools.Taken, merged: staging.Merged) -> str | None:
        """The spool's sums of the chunk, if they are those of its new lines: every staged row
        is a new line or a repeat of the file, whose months are summed again without it."""
        if taken.month_totals is None:
            return None
        sorted_out = merged.duplicates + len(merged.conflicts) + merged.set_aside
        if merged.inserted + sorted_out != taken.rows:
            return None  # rows matched stored lines
        if not spools.totals_ready(taken):
            return None
        if merged.removed:
            # SQLite: in the chunk's own file, which its reader no longer writes.
            facts.resum_totals(taken.month_totals, taken.table, merged.removed)
        return taken.month_totals

    def _lines_before_touched(self) -> int:
        """A line id below every line of the months touched (0: not known).

        While the table holds only this file's lines (a first import, alone), the lines of a
        month are in the chunks whose months span it: in an export sorted by date the month
        a chunk shares with the one before lies in those two.
        """
        if not self.table_was_empty or not self.chunk_months:
            return 0
        months = staging.touched_months()
        if months is None:
            return 0
        first, last = months
        return min(
            (
                before
                for before, chunk_first, chunk_last in self.chunk_months
                if chunk_first <= last and chunk_last >= first
            ),
            default=0,
        )

    def _count_sorted(self, chunk: SortedChunk) -> None:
        self.report.rows += chunk.rows
        self.report.duplicates_in_file += chunk.duplicates

    def _rejected(
        self, rejected: list[dict], merged: staging.Merged, *, late: bool = False
    ) -> list[dict]:
        """The merged rows' rejected rows in file order: the reader's (``rejected``) and the
        rows whose key came in an earlier chunk with other values. ``late``: their lines may
        come before those of rows rejected before (the rows set aside)."""
        self.report.duplicates_in_file += merged.duplicates
        if merged.conflicts:
            rejected = sorted(
                rejected + [self._conflict(*conflict) for conflict in merged.conflicts],
                key=lambda row: row["line"],
            )
        self.report.rejected.add(rejected, stored_by=self._import_id(), late=late)
        return rejected

    def _conflict(self, line: int, invoice: str, position: int, first: int) -> dict:
        reason = DUPLICATE_WITH_OTHER_VALUES % {"key": f"{invoice}/{position}", "first": first}
        return {
            "file": self.file_name,
            "line": line,
            "column": None,
            "value": None,
            "reason": reason,
            "code": "duplicate_conflict",
        }

    def _check_still_alone(self) -> None:
        """A file imported into an empty table skips matching its rows with stored lines, as
        long as no other import has stored lines since (one running at the same time)."""
        if self.table_was_empty and staging.last_line_id() != self.own_last_line_id:
            self.table_was_empty = False

    def _import_id(self) -> int | None:
        return None if self.dry_run else self.sales_import.pk

    def _merge(self, taken: spools.Taken, candidates: int) -> staging.Merged:
        merged = staging.merge(
            taken.rows,
            currency=self.currency,
            sales_import_id=self._import_id(),
            table_was_empty=self.table_was_empty,
            table=taken.table,
            file_first_id=self.file_first_id,
            repeat_candidates=candidates,
            set_aside=self.keys_deferred,
        )
        changed = [
            (line_id, _normalised(old), _normalised(new)) for line_id, old, new in merged.changed
        ]
        merged.changed = [change for change in changed if change[1] != change[2]]
        merged.unchanged += len(changed) - len(merged.changed)
        self.report.imported += merged.inserted
        self.report.updated += len(merged.changed)
        self.report.unchanged += merged.unchanged
        return merged

    def _save_counters(self) -> None:
        record, report = self.sales_import, self.report
        counters = {
            "rows": report.rows,
            "imported": report.imported,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "duplicates_in_file": report.duplicates_in_file,
            "rejected_count": len(report.rejected),
            "accounts_created": report.accounts_created,
        }
        for name, value in counters.items():
            setattr(record, name, value)
        record.save(update_fields=list(counters))

    def _write(
        self,
        merged: staging.Merged,
        rejected: list[dict],
        gate: ReaderGate,
        month_totals: str | None,
    ) -> None:
        if merged.changed:
            with gate.closed():  # corrections are stored one by one
                _update_lines(merged.changed, self.sales_import)
                staging.touch(
                    (values[0], values[1][:8] + "01")
                    for _line_id, old, new in merged.changed
                    for values in (old, new)
                )
        facts.add_new_lines(merged.last_id_before, month_totals)
        facts.refresh_touched(
            lines_may_have_moved=bool(merged.changed), lines_after=self._lines_before_touched()
        )
        hooks_call("hooks", "on_facts_changed")  # in the chunk's transaction, with the facts
        with gate.closed():  # stored row by row (a reader thread would wait for the GIL)
            _store_rejections(self.sales_import, rejected)
        self._save_counters()


def _stored_customer_numbers() -> list[str]:
    """The customer numbers of the accounts, as many as the reader keeps (KnownCustomers.LIMIT).

    Read by the cursor: through the ORM's iterator, 20,000 numbers took a tenth of a second of
    every import's start."""
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_number FROM {table} LIMIT %s",  # noqa: S608
            [KnownCustomers.LIMIT],
        )
        return [number for (number,) in cursor.fetchall()]


def _may_fork() -> bool:
    """Whether the reader may be a forked process. A daemonic process (a multiprocessing
    pool's worker) may not have children, and a process with other threads (a threaded web
    server running an import in a request, the immediate task backend) would fork their locks
    held: a lock held by another thread at the fork stays locked in the child for ever."""
    return not multiprocessing.current_process().daemon and threading.active_count() == 1


def _database_folder() -> Path | None:
    """The folder of the SQLite database file (None for an in-memory database)."""
    path = Path(str(connection.settings_dict["NAME"]))
    return path.parent if path.is_file() else None


def _missing_accounts(numbers: Iterable[str]) -> int:
    """How many of the customer numbers have no account."""
    numbers = list(numbers)
    stored = 0
    for start in range(0, len(numbers), staging.INSERT_BATCH):
        batch = numbers[start : start + staging.INSERT_BATCH]
        stored += Account.objects.filter(customer_number__in=batch).count()
    return len(numbers) - stored


def _create_accounts(names: dict[str, str]) -> int:
    """New accounts for unknown customer numbers (number → name); returns how many it created.

    Another import running at the same time may bring the same new customers: the insert
    skips numbers that are taken by then (the lines join their accounts by number).

    The ORM's bulk_create spends more time preparing 20,000 accounts than the database needs
    to store them. The values still come from the model's own defaults and field preparation:
    one prepared account is the pattern, and only its number and name differ from row to row
    (created in number order, so that ids follow the numbers).
    """
    if not names:
        return 0
    now = timezone.now()
    fields = [field for field in Account._meta.concrete_fields if not field.primary_key]
    pattern = Account(customer_number="", name="", created_at=now, updated_at=now)
    prepared = [
        field.get_db_prep_save(getattr(pattern, field.attname), connection) for field in fields
    ]
    number_at = fields.index(Account._meta.get_field("customer_number"))
    name_at = fields.index(Account._meta.get_field("name"))
    columns = [connection.ops.quote_name(field.column or field.attname) for field in fields]
    table = connection.ops.quote_name(Account._meta.db_table)
    key = connection.ops.quote_name(str(Account._meta.get_field("customer_number").column))
    created = 0
    numbers = sorted(names)
    # In batches: a row of 20 values an account, 200,000 new customers in a chunk (a file of
    # 10,000,000 lines) made 45 MB of rows at once.
    for start in range(0, len(numbers), ACCOUNT_BATCH):
        rows = []
        for number in numbers[start : start + ACCOUNT_BATCH]:
            row = prepared.copy()
            row[number_at], row[name_at] = number, names[number][:200]
            rows.append(row)
        created += staging.insert_missing(table, columns, rows, key)
    return created


def _normalised(values: Iterable) -> tuple:
    """Stored values in the form the importer builds them (SQLite returns floats for decimals)."""
    (account_id, invoice_date, product_number, product_name, quantity, *rest) = values
    if quantity is not None:
        quantity = str(Decimal(str(quantity)).quantize(QUANTUM))
    if not isinstance(invoice_date, str):
        invoice_date = invoice_date.isoformat()
    return (account_id, invoice_date, product_number, product_name, quantity, *rest)


def _update_lines(changed: list[tuple[int, tuple, tuple]], sales_import: SalesImport) -> None:
    if not changed:
        return
    table = SalesLine._meta.db_table
    assignments = ", ".join(f"{column} = %s" for column in VALUE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments}, invoice_month = %s WHERE id = %s",  # noqa: S608
            [(*new, new[1][:8] + "01", line_id) for line_id, _old, new in changed],
        )
    SalesLineChange.objects.bulk_create(
        SalesLineChange(
            sales_import=sales_import,
            sales_line_id=line_id,
            old_values=_as_json(old),
            new_values=_as_json(new),
        )
        for line_id, old, new in changed
    )


def _as_json(values: tuple) -> dict:
    return {
        column: value if value is None or isinstance(value, int | str) else str(value)
        for column, value in zip(VALUE_COLUMNS, values, strict=True)
    }


#: The columns of a stored rejection, as _store_rejections writes them.
_REJECTION_FIELDS = ("sales_import", "file", "line", "column", "value", "reason", "code")


def _store_rejections(sales_import: SalesImport, rejected: list[dict]) -> None:
    """Stores the chunk's rejected rows in one bulk statement (COPY on PostgreSQL): through
    the ORM, the 10,000 of a realistic export of a million lines took 0.37 s of the import's
    chunks, two thirds of it in Python."""
    if not rejected:
        return
    meta = ImportRejection._meta
    fields = {field.name: field for field in meta.concrete_fields}
    columns = [connection.ops.quote_name(str(fields[name].column)) for name in _REJECTION_FIELDS]
    rows = [
        (
            sales_import.pk,
            r["file"],
            r["line"],
            r["column"],
            r["value"],
            r["reason"],
            r["code"] or "",
        )
        for r in rejected
    ]
    staging.bulk_insert(connection.ops.quote_name(meta.db_table), columns, rows)
