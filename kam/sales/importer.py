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
from operator import itemgetter
from pathlib import Path
from queue import Full, Queue
from threading import Event, Thread

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.core.audit import Source, audit_source
from kam.core.services import bulk_event_record
from kam.sales import facts
from kam.sales.models import (
    ImportRejection,
    ImportStatus,
    SalesImport,
    SalesLine,
    SalesLineChange,
)
from kam.sales.reading import FileRefused, RejectedRow, SalesFile, SalesRow, open_sales_file

CHUNK_SIZE = 50_000
LOOKUP_BATCH = 500
QUANTUM = Decimal("0.001")

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
)
INSERT_COLUMNS = (
    "invoice_number",
    "line_number",
    *VALUE_COLUMNS,
    "invoice_month",
    "sales_import_id",
)
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


@dataclass
class _Chunk:
    """One chunk's rows sorted into what the database has to do with them."""

    new: list[tuple] = field(default_factory=list)
    changed: list[tuple[int, tuple, tuple]] = field(default_factory=list)  # id, old, new values
    touched: set[tuple[int, str]] = field(default_factory=set)  # account id, ISO month
    rejected: list[dict] = field(default_factory=list)


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
        self.accounts: dict[str, int] = dict(
            Account.objects.values_list("customer_number", "id").iterator(chunk_size=20_000)
        )
        self.would_create: dict[str, int] = {}
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
            rejected_before = len(self.report.rejected)
            rows = self._sort_out(chunk, name, seen)
            if self.dry_run:
                self._count(rows)
            else:
                self._write(rows, self.report.rejected[rejected_before:])
            done += len(chunk)
            if self.progress:
                self.progress(name, done, 0)

    def _sort_out(self, chunk, name: str, seen: dict) -> list[SalesRow]:
        """Valid rows that are first of their key in this file; the rest is counted or rejected."""
        self.report.rows += len(chunk)
        rows: list[SalesRow] = []
        for row in chunk:
            if isinstance(row, RejectedRow):
                self._reject(name, row.line, row.column, row.value, row.reason, row.code)
                continue
            key = (row.invoice_number, row.line_number)
            fingerprint = hash(_file_values(row))
            first = seen.get(key)
            if first is None:
                seen[key] = (row.line, fingerprint)
                rows.append(row)
            elif first[1] == fingerprint:
                self.report.duplicates_in_file += 1
            else:
                reason = DUPLICATE_WITH_OTHER_VALUES % {
                    "key": f"{key[0]}/{key[1]}",
                    "first": first[0],
                }
                self._reject(name, row.line, None, None, reason, "duplicate_conflict")
        return rows

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

    def _account_ids(self, rows: list[SalesRow]) -> dict[str, int]:
        """Account ids by customer number; unknown customers become new accounts."""
        missing: dict[str, str] = {}
        for row in rows:
            number = row.customer_number
            if number not in self.accounts and number not in missing:
                missing[number] = row.customer_name or number
        if missing and not self.dry_run:
            self.accounts.update(_create_accounts(missing))
            self.report.accounts_created += len(missing)
        elif missing:
            for number in missing:
                self.would_create.setdefault(number, -len(self.would_create) - 1)
            self.report.accounts_created = len(self.would_create)
        return {**self.would_create, **self.accounts}

    def _classify(self, rows: list[SalesRow], account_ids: dict[str, int]) -> _Chunk:
        # Into a table that was empty when this import began, only this import has written,
        # and it never writes a key twice (`seen`): no line can exist yet.
        existing = {} if self.table_was_empty else _existing_lines(rows)
        chunk = _Chunk()
        import_id = self.sales_import.pk if self.sales_import else None
        for row in rows:
            values = self._values(row, account_ids)
            month = values[1][:8] + "01"
            stored = existing.get((row.invoice_number, row.line_number))
            if stored is None:
                chunk.new.append((row.invoice_number, row.line_number, *values, month, import_id))
                chunk.touched.add((values[0], month))
            elif stored[1] == values:
                self.report.unchanged += 1
            else:
                chunk.changed.append((stored[0], stored[1], values))
                chunk.touched.add((values[0], month))
                chunk.touched.add((stored[1][0], stored[1][1][:8] + "01"))
        self.report.imported += len(chunk.new)
        self.report.updated += len(chunk.changed)
        return chunk

    def _values(self, row: SalesRow, account_ids: dict[str, int]) -> tuple:
        """The stored values in text form for dates and quantities: both databases take text,
        and converting once here is cheaper than a driver adapter call per value."""
        quantity = None if row.quantity is None else str(row.quantity.quantize(QUANTUM))
        return (
            account_ids[row.customer_number],
            row.invoice_date.isoformat(),
            row.product_number[:60],
            row.product_name[:200],
            quantity,
            row.net_revenue_cents,
            row.margin_cents,
            row.cost_cents,
            (row.currency or self.currency)[:3],
            row.sales_rep[:100],
        )

    def _count(self, rows: list[SalesRow]) -> None:
        self._classify(rows, self._account_ids(rows))

    def _write(self, rows: list[SalesRow], rejected: list[dict]) -> None:
        with transaction.atomic():
            chunk = self._classify(rows, self._account_ids(rows))
            _insert_lines(chunk.new)
            _update_lines(chunk.changed, self.sales_import)
            facts.refresh(chunk.touched)
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


def _create_accounts(missing: dict[str, str]) -> dict[str, int]:
    """New accounts for unknown customer numbers, in one statement per batch.

    The ORM's bulk_create spends more time preparing 20,000 accounts than SQLite needs to
    store them; the values still come from the model's own defaults and field preparation.
    """
    now = timezone.now()
    fields = [field for field in Account._meta.concrete_fields if not field.primary_key]
    rows = []
    for number, name in missing.items():
        account = Account(customer_number=number, name=name[:200], created_at=now, updated_at=now)
        rows.append(
            [
                field.get_db_prep_save(getattr(account, field.attname), connection)
                for field in fields
            ]
        )
    columns = ", ".join(
        connection.ops.quote_name(field.column or field.attname) for field in fields
    )
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Account._meta.db_table} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )
    numbers = list(missing)
    created: dict[str, int] = {}
    for start in range(0, len(numbers), LOOKUP_BATCH):
        batch = numbers[start : start + LOOKUP_BATCH]
        created.update(
            Account.objects.filter(customer_number__in=batch).values_list("customer_number", "id")
        )
    return created


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


def _file_values(row: SalesRow) -> tuple:
    return (
        row.customer_number,
        row.invoice_date,
        row.product_number,
        row.product_name,
        row.quantity,
        row.net_revenue_cents,
        row.margin_cents,
        row.cost_cents,
        row.currency,
        row.sales_rep,
    )


def _normalised(values: Iterable) -> tuple:
    """Stored values in the form the importer builds them (SQLite returns floats for decimals)."""
    (account_id, invoice_date, product_number, product_name, quantity, *rest) = values
    if quantity is not None:
        quantity = str(Decimal(str(quantity)).quantize(QUANTUM))
    if not isinstance(invoice_date, str):
        invoice_date = invoice_date.isoformat()
    return (account_id, invoice_date, product_number, product_name, quantity, *rest)


def _existing_lines(rows: list[SalesRow]) -> dict[tuple[str, int], tuple[int, tuple]]:
    invoices = sorted({row.invoice_number for row in rows})
    found: dict[tuple[str, int], tuple[int, tuple]] = {}
    table = SalesLine._meta.db_table
    columns = ", ".join(VALUE_COLUMNS)
    # PostgreSQL takes the whole batch as one array parameter; SQLite needs one mark a value.
    on_postgres = connection.vendor == "postgresql"
    batch_size = 5000 if on_postgres else LOOKUP_BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(invoices), batch_size):
            batch = invoices[start : start + batch_size]
            condition = "= ANY(%s)" if on_postgres else f"IN ({', '.join(['%s'] * len(batch))})"
            cursor.execute(
                f"SELECT id, invoice_number, line_number, {columns} FROM {table} "  # noqa: S608
                f"WHERE invoice_number {condition}",
                [batch] if on_postgres else batch,
            )
            for line_id, invoice, line, *values in cursor.fetchall():
                found[(invoice, line)] = (line_id, _normalised(values))
    return found


def _insert_lines(new: list[tuple]) -> None:
    if not new:
        return
    # In (account, month) order the index on those columns grows page by page instead of
    # being written all over: about a fifth less time for SQLite.
    new.sort(key=itemgetter(2, 12))
    table = SalesLine._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: COPY is several times faster
            with raw.copy(f"COPY {table} ({', '.join(INSERT_COLUMNS)}) FROM STDIN") as copy:
                for values in new:
                    copy.write_row(values)
        return
    marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(INSERT_COLUMNS)}) VALUES ({marks})",  # noqa: S608
            new,
        )


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
