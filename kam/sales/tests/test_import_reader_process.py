"""The reader of a spooled import runs in a process of its own (kam.sales.reader_process)."""

import multiprocessing
import pickle
import sys

import pytest
from django.db import connection

from kam.sales import facts, reader_process
from kam.sales.importer import ImportRefused, import_sales
from kam.sales.models import SalesLine
from kam.sales.reading import FileRefused
from kam.sales.tests.spools import record_spools, spool_left

HEADER = "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n"


def test_a_refusal_crosses_to_the_importing_process_with_its_code_and_words():
    refused = FileRefused("csv_broken", line=3, detail="unexpected end of data")

    again = pickle.loads(pickle.dumps(refused))  # noqa: S301 (made here)

    assert (type(again), again.code, again.params) == (FileRefused, "csv_broken", refused.params)
    assert str(again) == str(refused)


@pytest.mark.django_db(transaction=True)
def test_a_file_broken_far_down_is_refused_by_the_reader_process(tmp_path, monkeypatch):
    spools = record_spools(monkeypatch)
    good = "".join(f"1;R{i};01.02.2025;{i}\n" for i in range(3_000))
    # An opening quote that swallows more than a field may hold (the csv module's limit).
    swallowed = "".join(f"1;R{i};01.02.2025;{i}\n" for i in range(10_000))
    path = tmp_path / "broken.csv"
    path.write_text(f'{HEADER}{good}1;"R;01.02.2025;1\n{swallowed}', encoding="utf-8")
    monkeypatch.setattr("kam.sales.importer.CHUNK_SIZE", 1_000)

    with pytest.raises(ImportRefused, match="Zeile 3002"):
        import_sales(paths=[path])

    assert spools and not any(spool_left(spool) for spool in spools)
    assert SalesLine.objects.count() <= 3_000  # whole chunks before the broken record, no more
    assert not _readers()


def test_the_reader_process_ends_when_the_import_stops_early():
    def endless():
        while True:
            yield [1]

    chunks = reader_process.read_in_process(lambda stop_sign: endless())
    next(chunks)
    assert _readers()

    chunks.close()  # what an error or a kill in the importing loop does to the generator

    assert not _readers()


def test_an_error_in_the_reader_process_surfaces_in_the_importing_one():
    def failing():
        yield [1]
        raise ValueError("kaputt")

    chunks = reader_process.read_in_process(lambda stop_sign: failing())

    assert next(chunks) == [1]
    with pytest.raises(ValueError, match="kaputt"):
        next(chunks)
    assert not _readers()


@pytest.mark.skipif(sys.platform != "linux", reason="the pipe's size is Linux's")
def test_the_reader_reads_on_while_the_importer_has_not_taken_a_large_chunk_yet():
    # Half a megabyte: a chunk's rejected rows and new customers in a realistic export.
    read_on = multiprocessing.get_context("fork").Event()

    def chunks():
        yield ["small"]
        yield ["x" * 500_000]
        read_on.set()  # the large one is on its way: the reader reads the next chunk
        yield ["next"]

    chunks_read = reader_process.read_in_process(lambda stop_sign: chunks())
    assert next(chunks_read) == ["small"]

    assert read_on.wait(timeout=10)  # before the importer takes the large one
    assert len(next(chunks_read)[0]) == 500_000
    assert next(chunks_read) == ["next"]
    chunks_read.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's spool sums in a thread")
def test_a_spool_statement_running_when_the_import_stops_ends_before_the_spool_is_removed(
    tmp_path, monkeypatch
):
    """The reader process's thread that sums a chunk up in the spool was still running its
    statement when the process ended: the server finished it, and made a table, after the
    importing side had removed the spool's (test_killed_and_run_again_outside_a_transaction
    failed 2 runs in 6)."""
    spools = record_spools(monkeypatch)
    real_totals = facts.month_totals
    monkeypatch.setattr(  # each chunk's sums take the server a while
        facts,
        "month_totals",
        lambda table: (
            f"SELECT t.* FROM ({real_totals(table)}) t CROSS JOIN "  # noqa: S608
            "(SELECT pg_sleep(0.4)) slow"
        ),
    )
    monkeypatch.setattr("kam.sales.importer.CHUNK_SIZE", 40)
    path = tmp_path / "export.csv"
    rows = "".join(f"{i % 5};R{i};{1 + i % 28:02d}.02.2025;{i}\n" for i in range(400))
    path.write_text(HEADER + rows, encoding="utf-8")

    def killed(**kwargs):
        raise KeyboardInterrupt  # while the reader's thread sums up a later chunk

    monkeypatch.setattr("kam.sales.importer.facts.refresh_touched", killed)
    with pytest.raises(KeyboardInterrupt):
        import_sales(paths=[path])

    assert not _readers()
    assert len(spools) == 1 and not spool_left(spools[0])


def _readers() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "kam-import-reader"]


@pytest.mark.django_db(transaction=True)
def test_a_daemonic_process_reads_in_a_thread_as_it_may_have_no_children(tmp_path, monkeypatch):
    import kam.sales.importer

    def forbidden(read):
        raise AssertionError("a daemonic process forked")

    monkeypatch.setattr(kam.sales.importer, "read_in_process", forbidden)
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    spools = record_spools(monkeypatch)
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "1;R1;01.02.2025;1\n2;R2;02.02.2025;2\n", encoding="utf-8")

    report, _ = import_sales(paths=[path])

    assert (report.imported, SalesLine.objects.count()) == (2, 2)
    assert spools and not any(spool_left(spool) for spool in spools)


@pytest.mark.django_db(transaction=True)
def test_a_process_with_other_threads_reads_in_a_thread_as_a_fork_would_copy_their_locks(
    tmp_path, monkeypatch
):
    import threading

    import kam.sales.importer

    def forbidden(read):
        raise AssertionError("a process with other threads forked")

    monkeypatch.setattr(kam.sales.importer, "read_in_process", forbidden)
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "1;R1;01.02.2025;1\n2;R2;02.02.2025;2\n", encoding="utf-8")
    done = threading.Event()
    other = threading.Thread(target=done.wait, name="a web server's thread")
    other.start()
    try:
        report, _ = import_sales(paths=[path])
    finally:
        done.set()
        other.join()

    assert (report.imported, SalesLine.objects.count()) == (2, 2)
