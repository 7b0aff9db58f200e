"""The sales import: ERP export files → sales lines and monthly facts, exactly and idempotently.

Each chunk of rows is written in one transaction together with the facts it changes and the
import's counters, so an import killed at any moment leaves whole chunks behind, and running it
again finishes the job: lines already stored with the same values count as unchanged.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from queue import Full, Queue
from threading import Event, Thread

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.core.audit import Source, audit_source
from kam.core.services import bulk_event_record
from kam.sales import facts, staging
from kam.sales.models import (
    ImportRejection,
    ImportStatus,
    SalesImport,
    SalesLine,
    SalesLineChange,
)
from kam.sales.reading import FileRefused, SalesFile, SalesRow, open_sales_file
from kam.sales.staging import VALUE_COLUMNS

CHUNK_SIZE = 50_000
QUANTUM = Decimal("0.001")

_KEY = attrgetter("invoice_number", "line_number")
_LINE = attrgetter("line")
_CUSTOMER = attrgetter("customer_number")
#: Getters of the staged values of a row, in staging.STAGED_COLUMNS order; None: the account id.
_STAGED_GETTERS = [
    None if name == "account_id" else attrgetter(name) for name, _ in staging.STAGED_COLUMNS
]
DUPLICATE_WITH_OTHER_VALUES = (
    "Die Rechnungsposition %(key)s steht schon in Zeile %(first)s dieser Datei, dort mit "
    "anderen Werten; die erste Zeile wurde übernommen."
)


class ImportRefused(Exception):  # noqa: N818 (reads as what happened to the import)
    """A file as a whole cannot be used; nothing was written."""

    def __init__(self, file: str, message: str) -> None:
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}")


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    accounts_created: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "files": self.files,
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates_in_file": self.duplicates_in_file,
            "rejected": self.rejected,
        }


Progress = Callable[[str, int, int], None]  # file name, rows done in it, rows expected


def open_files(
    paths: list[Path], names: list[str], mapping: dict[str, str] | None
) -> list[SalesFile]:
    """Opens every file before anything is written, so a bad file stops the whole import."""
    opened = []
    for path, name in zip(paths, names, strict=True):
        try:
            opened.append(open_sales_file(path, mapping_overrides=mapping or None))
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
    if not dry_run:
        sales_import = _start_record(sales_import, paths, names, files, user, source, mapping)
    run = _ImportRun(sales_import=sales_import, dry_run=dry_run, progress=progress)
    with audit_source(Source.IMPORT):
        try:
            for sales_file, name in zip(files, names, strict=True):
                run.import_file(sales_file, name)
        except FileRefused as refused:
            _fail(sales_import, name, str(refused))
            raise ImportRefused(name, str(refused)) from None
        except BaseException as error:
            _fail(sales_import, "", repr(error))
            raise
        _finish(sales_import, run.report)
    return run.report, sales_import


def _start_record(sales_import, paths, names, files, user, source, mapping) -> SalesImport:
    sales_import = sales_import or SalesImport(user=user, source=source)
    sales_import.files = [
        {"name": name, "path": str(path)} for name, path in zip(names, paths, strict=True)
    ]
    sales_import.mapping = {
        "overrides": mapping or {},
        "detected": {name: f.mapping for name, f in zip(names, files, strict=True)},
    }
    sales_import.status = ImportStatus.RUNNING
    sales_import.rows_expected = sum(expected_rows(path) for path in paths)
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
        self.account_ids: dict[str, int] = dict(
            Account.objects.values_list("customer_number", "id").iterator(chunk_size=20_000)
        )
        self.currency = settings.KAM_COMPANY_CURRENCY
        self.table_was_empty = not SalesLine.objects.exists()

    def import_file(self, sales_file: SalesFile, name: str) -> None:
        self.report.files.append(name)
        seen: dict[tuple[str, int], tuple[int, int]] = {}  # key → first line, value hash
        # Millions of small tuples would make the cyclic collector walk the heap again and
        # again; nothing the importer builds forms reference cycles.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._import_chunks(sales_file, name, seen)
        finally:
            if gc_was_on:
                gc.enable()
        # The next file may repeat this one's lines: from now on they have to be looked up.
        self.table_was_empty = False

    def _import_chunks(self, sales_file: SalesFile, name: str, seen: dict) -> None:
        done = 0
        for chunk in prefetched(sales_file.iter_chunks(CHUNK_SIZE)):
            # One transaction a chunk: its new accounts, lines, facts and the import's counters.
            with transaction.atomic():
                rejected_before = len(self.report.rejected)
                merged = self._merge(self._sort_out(chunk, name, seen))
                if self.dry_run:
                    transaction.set_rollback(True)  # the staged rows were only counted
                else:
                    self._write(merged, self.report.rejected[rejected_before:])
            done += len(chunk)
            if self.progress:
                self.progress(name, done, 0)

    def _sort_out(self, chunk, name: str, seen: dict) -> list[tuple]:
        """Staged tuples of the valid rows that are first of their key in this file; the rest
        is counted as a duplicate or rejected."""
        self.report.rows += len(chunk)
        valid = [row for row in chunk if row.__class__ is SalesRow]
        if len(valid) != len(chunk):
            for row in chunk:
                if row.__class__ is not SalesRow:
                    self._reject(name, row.line, row.column, row.value, row.reason, row.code)
        staged = self._staged(valid)
        keys = list(map(_KEY, valid))
        # The common case, a chunk without repeated keys, is sorted out in C.
        if len(set(keys)) == len(keys) and seen.keys().isdisjoint(keys):
            firsts = zip(map(_LINE, valid), map(hash, staged), strict=True)
            seen.update(zip(keys, firsts, strict=True))
            return staged
        return self._sort_out_repeated(valid, staged, keys, name, seen)

    def _staged(self, rows: list[SalesRow]) -> list[tuple]:
        """The rows as tuples in staging order, built column by column in C."""
        self._create_missing_accounts(rows)
        account_id = self.account_ids.__getitem__
        columns = [
            map(account_id, map(_CUSTOMER, rows)) if get is None else map(get, rows)
            for get in _STAGED_GETTERS
        ]
        return list(zip(*columns, strict=True))

    def _sort_out_repeated(self, valid, staged, keys, name: str, seen: dict):
        first_staged: list[tuple] = []
        for row, values, key in zip(valid, staged, keys, strict=True):
            fingerprint = hash(values)
            first = seen.get(key)
            if first is None:
                seen[key] = (row.line, fingerprint)
                first_staged.append(values)
            elif first[1] == fingerprint:
                self.report.duplicates_in_file += 1
            else:
                reason = DUPLICATE_WITH_OTHER_VALUES % {
                    "key": f"{key[0]}/{key[1]}",
                    "first": first[0],
                }
                self._reject(name, row.line, None, None, reason, "duplicate_conflict")
        return first_staged

    def _reject(self, name, line, column, value, reason, code) -> None:
        self.report.rejected.append(
            {
                "file": name,
                "line": line,
                "column": column,
                "value": value,
                "reason": reason,
                "code": code,
            }
        )

    def _create_missing_accounts(self, rows: list[SalesRow]) -> None:
        """Unknown customers become new accounts, named from the file where it has a name."""
        missing = set(map(_CUSTOMER, rows)).difference(self.account_ids)
        if not missing:
            return
        self.report.accounts_created += len(missing)
        if self.dry_run:  # ids that no account has, so that the dry run counts their lines new
            self.account_ids.update(
                (number, -i) for i, number in enumerate(missing, 1 + len(self.account_ids))
            )
            return
        names: dict[str, str] = {}
        for row in rows:
            number = row.customer_number
            if number in missing and number not in names:
                names[number] = row.customer_name or number
        self.account_ids.update(_create_accounts(names))

    def _merge(self, staged: list[tuple]) -> staging.Merged:
        staging.stage(staged)
        merged = staging.merge(
            currency=self.currency,
            sales_import_id=None if self.dry_run else self.sales_import.pk,
            table_was_empty=self.table_was_empty,
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

    def _write(self, merged: staging.Merged, rejected: list[dict]) -> None:
        _update_lines(merged.changed, self.sales_import)
        staging.touch(
            (values[0], values[1][:8] + "01")
            for _line_id, old, new in merged.changed
            for values in (old, new)
        )
        facts.refresh_touched(lines_may_have_moved=bool(merged.changed))
        _store_rejections(self.sales_import, rejected)
        self._save_counters()

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


def _create_accounts(names: dict[str, str]) -> dict[str, int]:
    """New accounts for unknown customer numbers (number → name), in one statement.

    The ORM's bulk_create spends more time preparing 20,000 accounts than the database needs
    to store them. The values still come from the model's own defaults and field preparation:
    one prepared account is the pattern, and only its number and name differ from row to row.
    """
    now = timezone.now()
    fields = [field for field in Account._meta.concrete_fields if not field.primary_key]
    pattern = Account(customer_number="", name="", created_at=now, updated_at=now)
    prepared = [
        field.get_db_prep_save(getattr(pattern, field.attname), connection) for field in fields
    ]
    number_at = fields.index(Account._meta.get_field("customer_number"))
    name_at = fields.index(Account._meta.get_field("name"))
    rows = []
    for number, name in names.items():
        row = prepared.copy()
        row[number_at], row[name_at] = number, name[:200]
        rows.append(row)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        (last_id,) = cursor.fetchone()
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        cursor.execute(
            f"SELECT customer_number, id FROM {table} WHERE id > %s",  # noqa: S608
            [last_id],
        )
        return {number: account_id for number, account_id in cursor if number in names}


def prefetched(chunks: Iterator[list], depth: int = 2) -> Iterator[list]:
    """Reads the next chunks in a thread while the database writes the current one.

    The database drivers release the GIL while SQLite or PostgreSQL work, so reading and
    writing overlap on a second core. Errors in the reader surface here, in order; when the
    importing side stops early (an error, a kill), the reader stops too instead of waiting
    forever with the file open.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = Event()
    done = object()

    def hand_over(item: tuple) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.5)
                return True
            except Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not hand_over((chunk, None)):
                    return
        except BaseException as error:  # handed over to the importing thread
            hand_over((None, error))
            return
        hand_over((done, None))

    Thread(target=read, daemon=True, name="kam-import-reader").start()
    try:
        while True:
            chunk, error = queue.get()
            if error is not None:
                raise error
            if chunk is done:
                return
            yield chunk
    finally:
        stop.set()


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


def _store_rejections(sales_import: SalesImport, rejected: list[dict]) -> None:
    ImportRejection.objects.bulk_create(
        (
            ImportRejection(
                sales_import=sales_import,
                file=r["file"],
                line=r["line"],
                column=r["column"],
                value=r["value"],
                reason=r["reason"],
                code=r["code"] or "",
            )
            for r in rejected
        ),
        batch_size=2000,
    )
