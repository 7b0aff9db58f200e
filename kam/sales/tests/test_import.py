"""The importer end to end: exact, idempotent, kill-safe, with facts kept current."""

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from kam.accounts.models import Account
from kam.sales import importer, pipeline
from kam.sales.importer import ImportRefused, import_sales
from kam.sales.models import ImportRejection, SalesImport, SalesLine, SalesLineChange
from kam.sales.tests.facts import facts_from_lines, stored_facts
from kam.sales.tests.spools import record_spools, spool_left
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;Menge;"
    "Nettoumsatz;DB\n"
)


def write(tmp_path: Path, name: str, body: str, encoding: str = "cp1252") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding=encoding)
    return path


EXPORT = (
    "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;1.234,56;234,50\n"
    "10001;Müller GmbH;R-1;2;31.12.2025;A2;1;-12,50;-2,00\n"
    "10002;Bäcker AG;R-2;1;15.01.2026;A1;1;10,00;1,00\n"
    "10002;Bäcker AG;R-3;1;31.02.2026;A1;1;10,00;1,00\n"
    "10002;Bäcker AG;R-4;1;20.01.2026;A1;1;abc;1,00\n"
)


def test_good_rows_are_stored_exactly_and_bad_rows_reported(tmp_path):
    report, record = import_sales(paths=[write(tmp_path, "export.csv", EXPORT)])

    assert (report.rows, report.imported, len(report.rejected)) == (5, 3, 2)
    line = SalesLine.objects.get(invoice_number="R-1", line_number=1)
    assert line.net_revenue == Decimal("1234.56") and line.margin == Decimal("234.50")
    assert line.quantity == Decimal("2") and line.currency == "EUR"
    assert [(r["line"], r["column"]) for r in report.rejected] == [
        (5, "Rechnungsdatum"),
        (6, "Nettoumsatz"),
    ]
    assert ImportRejection.objects.filter(sales_import=record).count() == 2
    assert record.status == "done" and record.imported == 3


def test_unknown_customers_become_accounts_and_known_ones_keep_their_data(tmp_path):
    AccountFactory(customer_number="10001", name="Müller Maschinenbau GmbH")

    report, _ = import_sales(paths=[write(tmp_path, "export.csv", EXPORT)])

    assert Account.objects.get(customer_number="10001").name == "Müller Maschinenbau GmbH"
    assert Account.objects.get(customer_number="10002").name == "Bäcker AG"
    assert report.accounts_created == 1


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, "export.csv", EXPORT)
    import_sales(paths=[path])
    before = (list(SalesLine.objects.values().order_by("id")), stored_facts())

    report, _ = import_sales(paths=[path])

    assert report.unchanged == 3 and report.imported == report.updated == 0
    after = (list(SalesLine.objects.values().order_by("id")), stored_facts())
    assert [{**r, "sales_import_id": None} for r in before[0]] == [
        {**r, "sales_import_id": None} for r in after[0]
    ]
    assert before[1] == after[1]


def test_an_overlapping_export_adds_only_the_new_lines(tmp_path):
    import_sales(paths=[write(tmp_path, "jan.csv", EXPORT)])
    overlap = (
        EXPORT.splitlines(keepends=True)[2] + "10002;Bäcker AG;R-5;1;03.02.2026;A9;3;99,00;9,90\n"
    )

    report, _ = import_sales(paths=[write(tmp_path, "feb.csv", overlap)])

    assert (report.imported, report.unchanged) == (1, 1)
    assert SalesLine.objects.count() == 4
    assert stored_facts() == facts_from_lines()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_before_3_33_matches_the_stored_lines_without_update_from(tmp_path, monkeypatch):
    """SQLite 3.31 and 3.32, which Django 5.2 still runs on, have no UPDATE ... FROM."""
    from kam.sales import staging

    import_sales(paths=[write(tmp_path, "jan.csv", EXPORT)])
    monkeypatch.setattr(staging.sqlite3, "sqlite_version_info", (3, 31, 1))
    corrected = "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;1.300,00;250,00\n"
    overlap = EXPORT.splitlines(keepends=True)[2] + corrected

    report, _ = import_sales(paths=[write(tmp_path, "feb.csv", overlap)])

    assert (report.imported, report.unchanged, report.updated) == (0, 1, 1)
    assert SalesLine.objects.get(invoice_number="R-1", line_number=1).net_revenue_cents == 130000
    assert stored_facts() == facts_from_lines()


def test_a_correction_updates_the_line_and_keeps_the_change(tmp_path):
    import_sales(paths=[write(tmp_path, "a.csv", EXPORT)])
    corrected = "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;1.300,00;250,00\n"

    report, record = import_sales(paths=[write(tmp_path, "b.csv", corrected)])

    assert report.updated == 1
    line = SalesLine.objects.get(invoice_number="R-1", line_number=1)
    assert line.net_revenue_cents == 130000
    change = SalesLineChange.objects.get(sales_import=record)
    assert change.old_values["net_revenue_cents"] == 123456
    assert change.new_values["net_revenue_cents"] == 130000
    assert stored_facts() == facts_from_lines()


def test_duplicates_in_a_file_count_once_and_conflicts_are_rejected(tmp_path):
    body = (
        "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;10,00;1,00\n"
        "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;10,00;1,00\n"
        "10001;Müller GmbH;R-1;1;31.12.2025;A1;2;99,00;1,00\n"
    )

    report, _ = import_sales(paths=[write(tmp_path, "dup.csv", body)])

    assert (report.imported, report.duplicates_in_file) == (1, 1)
    assert report.rejected[0]["line"] == 4 and "Zeile 2" in report.rejected[0]["reason"]
    assert SalesLine.objects.get().net_revenue_cents == 1000


def test_lines_without_position_are_numbered_within_their_invoice(tmp_path):
    path = tmp_path / "nopos.csv"
    path.write_text(
        "Kundennummer;Belegnummer;Belegdatum;Umsatz netto\n"
        "1;B-1;01.03.2026;1,00\n1;B-1;01.03.2026;2,00\n1;B-2;01.03.2026;3,00\n",
        encoding="utf-8-sig",
    )

    import_sales(paths=[path])

    assert sorted(SalesLine.objects.values_list("invoice_number", "line_number")) == [
        ("B-1", 1),
        ("B-1", 2),
        ("B-2", 1),
    ]


def test_a_dry_run_writes_nothing(tmp_path):
    report, record = import_sales(paths=[write(tmp_path, "x.csv", EXPORT)], dry_run=True)

    assert record is None and report.imported == 3 and len(report.rejected) == 2
    assert not SalesLine.objects.exists() and not SalesImport.objects.exists()
    assert not Account.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_outside_a_transaction_writes_nothing_and_leaves_no_spool(tmp_path, monkeypatch):
    spools = record_spools(monkeypatch)
    report, record = import_sales(paths=[write(tmp_path, "x.csv", EXPORT)], dry_run=True)

    assert record is None and report.imported == 3 and len(report.rejected) == 2
    assert not SalesLine.objects.exists() and not SalesImport.objects.exists()
    assert not Account.objects.exists()
    assert spools and not any(spool_left(spool) for spool in spools)


def test_a_file_without_a_required_column_is_refused_and_nothing_written(tmp_path):
    good = write(tmp_path, "good.csv", EXPORT)
    bad = tmp_path / "bad.csv"
    bad.write_text("Kundennummer;Rechnungsnummer;Nettoumsatz\n1;R;1,00\n", encoding="utf-8")

    with pytest.raises(ImportRefused, match="bad.csv"):
        import_sales(paths=[good, bad])

    assert not SalesLine.objects.exists()


def test_killed_in_the_middle_and_run_again_ends_as_one_clean_run(tmp_path, monkeypatch):
    _killed_and_run_again(tmp_path, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_killed_and_run_again_outside_a_transaction(tmp_path, monkeypatch):
    """As an import runs in production: the reader thread spools the chunks."""
    spools = record_spools(monkeypatch)
    _killed_and_run_again(tmp_path, monkeypatch)
    assert len(spools) == 2  # the killed run and the second one
    assert not any(spool_left(spool) for spool in spools)  # removed when the import ended


def _killed_and_run_again(tmp_path, monkeypatch):
    body = "".join(
        f"{1000 + i % 7};Kunde {i % 7};R-{i // 3};{i % 3 + 1};"
        f"{1 + i % 28:02d}.{1 + i % 12:02d}.2025;A{i % 5};1;{i},{i % 100:02d};{i % 50},00\n"
        for i in range(300)
    )
    path = write(tmp_path, "big.csv", body)
    monkeypatch.setattr(importer, "CHUNK_SIZE", 50)
    calls = {"n": 0}
    real_refresh = importer.facts.refresh_touched

    def dying_refresh(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed while writing the third chunk
        real_refresh(**kwargs)

    monkeypatch.setattr(importer.facts, "refresh_touched", dying_refresh)
    with pytest.raises(KeyboardInterrupt):
        import_sales(paths=[path])
    assert SalesLine.objects.count() == 100  # two whole chunks, nothing of the third

    monkeypatch.setattr(importer.facts, "refresh_touched", real_refresh)
    report, _ = import_sales(paths=[path])

    assert (report.imported, report.unchanged) == (200, 100)
    assert SalesLine.objects.count() == 300
    assert stored_facts() == facts_from_lines()


def test_command_writes_the_report_and_exits_2_on_an_unusable_file(tmp_path, capsys):
    path = write(tmp_path, "export.csv", EXPORT)
    report_path = tmp_path / "report.json"

    call_command("import-sales", str(path), "--report", str(report_path))
    with pytest.raises(SystemExit) as exited:
        call_command("import-sales", str(tmp_path / "missing.csv"))

    report = json.loads(report_path.read_text())
    assert set(report) == {
        "files",
        "rows",
        "imported",
        "updated",
        "unchanged",
        "duplicates_in_file",
        "rejected",
    }
    assert report["rejected"][0] == {
        "file": "export.csv",
        "line": 5,
        "column": "Rechnungsdatum",
        "value": "31.02.2026",
        "reason": report["rejected"][0]["reason"],
        "code": "date_impossible",
    }
    assert exited.value.code == 2
    assert "nichts geschrieben" in capsys.readouterr().err


def test_command_takes_a_mapping_override(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Kd;Beleg;Tag;Betrag\n7;X-1;02.01.2026;5,00\n", encoding="utf-8")

    call_command(
        "import-sales",
        str(path),
        "--map",
        "customer_number=Kd",
        "--map",
        "invoice_number=Beleg",
        "--map",
        "invoice_date=Tag",
        "--map",
        "net_revenue=Betrag",
    )

    assert SalesLine.objects.get().net_revenue_cents == 500


def test_two_files_of_one_import_may_share_lines(tmp_path):
    first = write(tmp_path, "a.csv", EXPORT)
    second = write(tmp_path, "b.csv", EXPORT.splitlines(keepends=True)[0])

    report, _ = import_sales(paths=[first, second])

    assert (report.imported, report.unchanged) == (3, 1)
    assert SalesLine.objects.count() == 3


def test_the_reader_thread_stops_when_the_import_stops_early():
    import threading

    def endless():
        while True:
            yield [1]

    chunks = pipeline.prefetched(endless())
    next(chunks)
    readers = [t for t in threading.enumerate() if t.name == "kam-import-reader"]

    chunks.close()  # what an error or a kill in the importing loop does to the generator
    for reader in readers:
        reader.join(timeout=5)

    assert readers and not any(reader.is_alive() for reader in readers)


def _dated_file(tmp_path, monkeypatch, months: int):
    """An export sorted by date, 10 rows a month, read in blocks of 4 rows."""
    from kam.sales.reading import open_sales_file

    body = "".join(
        f"10001;Kunde;R-{month}-{day};1;{day:02d}.{month:02d}.2025;A;1;1,00;0,10\n"
        for month in range(1, months + 1)
        for day in range(1, 11)
    )
    monkeypatch.setattr(pipeline, "READ_STEP", 4)
    return open_sales_file(write(tmp_path, "sorted.csv", body))


def test_chunks_of_an_export_sorted_by_date_are_cut_where_a_month_begins(tmp_path, monkeypatch):
    sales_file = _dated_file(tmp_path, monkeypatch, 12)
    monkeypatch.setattr(pipeline, "RAMP_START", 1)  # all chunks of the full size

    chunks = list(pipeline.RowSorter("sorted.csv", set()).chunks(sales_file, 32))

    # Blocks of 4 rows, 10 rows a month. Each chunk (at least 32, at most 40 rows) ends
    # where a month ends, inside a block: no month's rows are split between two chunks.
    assert [chunk.rows for chunk in chunks] == [40, 40, 40]
    assert [chunk.staged[-1][3] for chunk in chunks] == ["2025-04-10", "2025-08-10", "2025-12-10"]
    chunks = list(pipeline.RowSorter("sorted.csv", set()).chunks(sales_file, 25))
    assert [chunk.rows for chunk in chunks] == [30, 30, 30, 30]  # at least 25, at most 31


def test_a_chunk_cut_inside_a_block_takes_the_rejected_rows_of_its_part(tmp_path, monkeypatch):
    from kam.sales.reading import open_sales_file

    body = "".join(
        f"10001;Kunde;R-{month}-{day};1;{day:02d}.{month:02d}.2025;A;1;"
        f"{'kaputt' if (month, day) in ((1, 10), (2, 2)) else '1,00'};0,10\n"
        for month in (1, 2)
        for day in range(1, 11)
    )
    monkeypatch.setattr(pipeline, "READ_STEP", 4)
    monkeypatch.setattr(pipeline, "RAMP_START", 1)
    sales_file = open_sales_file(write(tmp_path, "sorted.csv", body))

    chunks = list(pipeline.RowSorter("sorted.csv", set()).chunks(sales_file, 8))

    # The block of lines 10-13 holds January's last two days and February's first two.
    assert [chunk.rows for chunk in chunks] == [10, 10]
    assert [[row["line"] for row in chunk.rejected] for chunk in chunks] == [[11], [13]]
    assert {row[3][:7] for row in chunks[1].staged} == {"2025-02"}


def test_chunks_of_an_export_sorted_by_customer_are_cut_where_a_customer_begins(
    tmp_path, monkeypatch
):
    from kam.sales.reading import open_sales_file

    body = "".join(
        f"1000{customer};Kunde {customer};R-{customer}-{day};1;{day:02d}.01.2025;A;1;1,00;0,10\n"
        for customer in range(1, 5)
        for day in range(1, 11)
    )
    monkeypatch.setattr(pipeline, "READ_STEP", 4)
    monkeypatch.setattr(pipeline, "RAMP_START", 1)
    sales_file = open_sales_file(write(tmp_path, "by-customer.csv", body))

    chunks = list(pipeline.RowSorter("by-customer.csv", set()).chunks(sales_file, 8))

    # Blocks of 4 rows, 10 rows a customer, all in one month. Each chunk (at least 8, at most
    # 10 rows) ends where a customer's rows end, inside a block: no customer's months are
    # shared by two chunks (cut after the block, the chunks had 12, 12, 12 and 4 rows).
    assert [chunk.rows for chunk in chunks] == [10, 10, 10, 10]
    assert [{row[2] for row in chunk.staged} for chunk in chunks] == [
        {"10001"},
        {"10002"},
        {"10003"},
        {"10004"},
    ]


def test_a_chunk_ends_after_the_block_that_brings_it_enough_new_customers(tmp_path, monkeypatch):
    from kam.sales.reading import open_sales_file

    body = "".join(
        f"{20000 + row};Kunde {row};R-{row};1;{1 + row % 28:02d}.01.2025;A;1;1,00;0,10\n"
        for row in range(40)
    )
    monkeypatch.setattr(pipeline, "READ_STEP", 4)
    monkeypatch.setattr(pipeline, "RAMP_START", 1)
    monkeypatch.setattr(pipeline, "NEW_CUSTOMERS_PER_CHUNK", 6)
    sales_file = open_sales_file(write(tmp_path, "new-customers.csv", body))

    chunks = list(pipeline.RowSorter("new-customers.csv", {"20000"}).chunks(sales_file, 32))

    # A new customer in every row (but the first, known): the numbers and names a chunk takes
    # along stay few, whatever the file.
    assert [chunk.rows for chunk in chunks] == [8] + [8] * 4
    assert [len(chunk.new_customers) for chunk in chunks] == [7, 8, 8, 8, 8]


def test_a_chunk_handed_over_leaves_its_keys_behind_unless_the_whole_file_is_kept(
    tmp_path, monkeypatch
):
    # Freed before the reader process's collection after each chunk, which walked them again.
    sorter = pipeline.RowSorter("sorted.csv", set())
    next(sorter.chunks(_dated_file(tmp_path, monkeypatch, 3), 8))
    assert sorter.seen == {}

    dry_run = pipeline.RowSorter("sorted.csv", set(), whole_file=True)
    first = next(dry_run.chunks(_dated_file(tmp_path, monkeypatch, 3), 8))
    assert len(dry_run.seen) == first.rows


def test_the_first_chunks_ramp_up_to_the_full_size(tmp_path, monkeypatch):
    sales_file = _dated_file(tmp_path, monkeypatch, 12)

    chunks = list(pipeline.RowSorter("sorted.csv", set()).chunks(sales_file, 32))

    # The first wants 2 rows (a sixteenth of 32) and gets the first block of 4; each next one
    # wants half as many again as the one before (3, 4, 6, 9, 13, 19, 28), cut after a block
    # or where a month ends, up to 32; the rest is the last chunk.
    assert [chunk.rows for chunk in chunks] == [4, 4, 8, 12, 12, 16, 24, 30, 10]
    assert [row[3] for chunk in chunks for row in chunk.staged] == [
        f"2025-{month:02d}-{day:02d}" for month in range(1, 13) for day in range(1, 11)
    ]


def test_without_the_ramp_the_first_chunk_has_a_quarter_and_the_others_the_full_size(
    tmp_path, monkeypatch
):
    sales_file = _dated_file(tmp_path, monkeypatch, 12)

    sorter = pipeline.RowSorter("sorted.csv", set())
    chunks = list(sorter.chunks(sales_file, 32, ramp=False))  # as on PostgreSQL

    assert [chunk.rows for chunk in chunks] == [10, 40, 40, 30]
    sorter = pipeline.RowSorter("sorted.csv", set())
    sales_file = _dated_file(tmp_path, monkeypatch, 12)
    with_tail = list(sorter.chunks(sales_file, 32, expected_rows=120, ramp=False))
    assert [chunk.rows for chunk in with_tail] == [10, 40, 40, 18, 12]


def test_an_import_ramps_its_chunks_up_on_sqlite_only(tmp_path, monkeypatch):
    ramps = []
    chunks = pipeline.RowSorter.chunks

    def noting(self, *args, ramp=True, **options):
        ramps.append(ramp)
        return chunks(self, *args, ramp=ramp, **options)

    monkeypatch.setattr(pipeline.RowSorter, "chunks", noting)
    import_sales(paths=[write(tmp_path, "export.csv", EXPORT)])

    assert ramps == [connection.vendor == "sqlite"]


def test_the_last_chunks_get_smaller_when_the_rows_to_come_are_known(tmp_path, monkeypatch):
    sales_file = _dated_file(tmp_path, monkeypatch, 12)
    monkeypatch.setattr(pipeline, "RAMP_START", 1)

    sorter = pipeline.RowSorter("sorted.csv", set())
    chunks = list(sorter.chunks(sales_file, 32, expected_rows=120))

    # As without (40, 40) while 64 rows or more are to come; then half of the rest, at least 8
    # rows, each cut where a month ends: the importer's last chunk has 10 rows, not 40.
    assert [chunk.rows for chunk in chunks] == [40, 40, 20, 10, 10]
    assert [row[3] for chunk in chunks for row in chunk.staged] == [
        f"2025-{month:02d}-{day:02d}" for month in range(1, 13) for day in range(1, 11)
    ]


def test_a_file_of_a_chunk_or_two_is_chunked_as_without_the_rows_to_come(tmp_path, monkeypatch):
    def sizes(**options):
        sales_file = _dated_file(tmp_path, monkeypatch, 5)
        sorter = pipeline.RowSorter("sorted.csv", set())
        return [chunk.rows for chunk in sorter.chunks(sales_file, 32, ramp=False, **options)]

    # Without the ramp (PostgreSQL) its chunks never reach the full size: no smaller tail.
    assert sizes(expected_rows=50) == sizes() == [10, 40]


def test_a_ramped_file_gets_smaller_last_chunks_before_it_reaches_the_full_size(
    tmp_path, monkeypatch
):
    def sizes(**options):
        sales_file = _dated_file(tmp_path, monkeypatch, 24)
        sorter = pipeline.RowSorter("sorted.csv", set())
        return [chunk.rows for chunk in sorter.chunks(sales_file, 160, **options)]

    # Ramped up from 10 rows, its last chunk was its largest, which the importer works on
    # alone after the reader's end; knowing the rows to come, the chunks get smaller again.
    assert sizes() == [10, 18, 22, 40, 62, 88]
    assert sizes(expected_rows=240) == [10, 18, 22, 40, 62, 56, 32]


def test_an_import_tells_the_reader_how_many_rows_its_file_has(tmp_path, monkeypatch):
    expected = []
    chunks = pipeline.RowSorter.chunks

    def noting(self, sales_file, size, gate=None, spool=None, *, expected_rows=0, **options):
        expected.append(expected_rows)
        return chunks(self, sales_file, size, gate, spool, expected_rows=expected_rows, **options)

    monkeypatch.setattr(pipeline.RowSorter, "chunks", noting)
    import_sales(paths=[write(tmp_path, "export.csv", EXPORT)])

    assert expected == [EXPORT.count("\n")]


def test_a_first_import_looks_for_repeats_only_with_keys_that_may_repeat(tmp_path, monkeypatch):
    from kam.sales import staging

    looked = []
    match_existing = staging._match_existing

    def noting(*args, **kwargs):
        looked.append(kwargs)
        return match_existing(*args, **kwargs)

    monkeypatch.setattr(staging, "_match_existing", noting)
    path = write(tmp_path, "export.csv", EXPORT)

    import_sales(paths=[path])  # into no lines, no key marked as a candidate by the reader
    assert looked == []
    report, _ = import_sales(paths=[path])  # the lines are there now

    assert looked == [{"candidates_only": False}]
    assert report.unchanged == report.rows - len(report.rejected)


def test_the_staging_table_takes_the_values_in_the_order_the_reader_stages_them():
    from kam.sales.reading import STAGED_FIELDS
    from kam.sales.staging_columns import STAGED_NAMES

    in_cents = {"net_revenue", "contribution_margin", "cost", "freight", "packaging", "handling"}
    stored_as = {"contribution_margin": "margin_cents"}
    assert list(STAGED_NAMES) == [
        stored_as.get(field, f"{field}_cents" if field in in_cents else field)
        for field in STAGED_FIELDS
    ]


def _wait_until_gone(pid: int) -> None:
    """The server process of a closed connection ends a moment after the client closes it."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
        time.sleep(0.025)
    raise AssertionError(f"server process {pid} still there after 5 s")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="spool tables are PostgreSQL's")
def test_spool_tables_of_a_killed_import_are_dropped_by_the_next():
    from kam.sales import spool

    killed = connection.get_new_connection(connection.get_connection_params())
    killed.autocommit = True
    pid = killed.execute("SELECT pg_backend_pid()").fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {spool.TABLE_PREFIX}{pid}_1 (x int)")
        cursor.execute(f"CREATE UNLOGGED TABLE {spool.TABLE_PREFIX}{pid}_1_months (x int)")
    running = spool.TableSpool(sum_up=True)
    running.write(1, [])
    killed.close()  # its process ends as a killed import's would
    _wait_until_gone(pid)

    spool.TableSpool(sum_up=False).close()

    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith(f"{spool.TABLE_PREFIX}{pid}_")]
    assert running.table(1) in tables  # an import still running keeps its tables
    running.close()
    assert running.table(1) not in connection.introspection.table_names()


def test_a_spool_folder_left_by_a_killed_import_is_removed_by_the_next(tmp_path):
    import os
    import time

    from kam.core import scratch
    from kam.sales import spool

    stale = tmp_path / f"{spool.PREFIX}killed"
    stale.mkdir()
    (stale / "chunks.sqlite3").write_bytes(b"x")
    old = time.time() - scratch.STALE_AFTER_SECONDS - 60
    os.utime(stale, (old, old))
    recent = tmp_path / f"{spool.PREFIX}running"
    recent.mkdir()

    spool.ChunkSpool(tmp_path).close()

    assert not stale.exists()
    assert recent.exists()


def test_a_spool_folder_of_a_dead_process_is_removed_by_the_next_import_at_once(tmp_path):
    import os
    import subprocess
    import sys

    from kam.sales import spool

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = tmp_path / f"{spool.PREFIX}{int(gone.stdout)}-abc123"
    dead.mkdir()
    (dead / "chunks.sqlite3").write_bytes(b"x")
    alive = tmp_path / f"{spool.PREFIX}{os.getppid()}-def456"
    alive.mkdir()

    spool.ChunkSpool(tmp_path).close()

    assert not dead.exists()
    assert alive.exists()
    assert not list(tmp_path.glob(f"{spool.PREFIX}{os.getpid()}-*"))
