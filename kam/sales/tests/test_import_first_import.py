"""A first import takes the facts from the spool's sums (both databases), even where repeats
were sorted out of a chunk (kam.sales.facts.resum_totals); PostgreSQL: a first import of a
large file stores its lines without the unique key, which it builds after them
(kam.sales.staging.defer_indexes). Keys and facts stay exact."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from kam.sales import facts, importer, staging
from kam.sales import spool as spools
from kam.sales.importer import RejectedRows, import_sales
from kam.sales.models import SalesLine
from kam.sales.pipeline import KeyFilter
from kam.sales.tests.facts import facts_from_lines, stored_facts

HEADER = "Kundennummer;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _line(i: int, cents: int | None = None) -> str:
    cents = i * 101 if cents is None else cents
    amount = f"{cents // 100},{cents % 100:02d}"
    return f"{i // 40};R{i // 3};{1 + i % 3};{1 + i % 28:02d}.{1 + i % 3:02d}.2025;{amount}\n"


def _export(tmp_path, rows: int = 3_000, *, bad_every: int = 0):
    """Sorted by customer; every 50th line repeats one 700 lines before (an earlier chunk) or
    the line before (the same chunk), every 170th one repeats a key with another amount (1
    cent, which no first line has); ``bad_every``: every so many keys a line of no amount
    before the key's."""
    lines = []
    for i in range(rows):
        if bad_every and i % bad_every == 0:
            lines.append(_line(i).replace(";R", ";X").rsplit(";", 1)[0] + ";kein Betrag\n")
        lines.append(_line(i))
        if i % 50 == 49:
            lines.append(_line(i - 700 if i >= 700 and i % 100 == 99 else i - 1))
        if i % 170 == 169:
            lines.append(_line(i - 600 if i >= 600 else i, cents=1))
    path = tmp_path / "first.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path, rows, len(lines) - rows


@pytest.fixture
def deferring(monkeypatch):
    """Every first import defers the indexes; small chunks; notes for each merge whether the
    key was there and how many rows it set aside, and whether the facts summed a chunk's new
    lines up again (the rows set aside are summed up when they are merged, after the chunks)."""
    monkeypatch.setattr(staging, "DEFER_INDEX_MIN_BYTES", 0)
    monkeypatch.setattr("kam.sales.importer.CHUNK_SIZE", 400)
    seen: dict[str, list] = {"key": [], "set_aside": [], "summed_again": [], "tables": []}
    merge = staging.merge

    def noting_key(*args, **kwargs):
        seen["key"].append(staging.key_index_exists())
        seen["tables"].append(kwargs.get("table"))
        merged = merge(*args, **kwargs)
        seen["set_aside"].append(merged.set_aside)
        return merged

    sum_new_lines = facts._sum_new_lines

    def noting_sums(*args, **kwargs):
        if seen["tables"][-1] != staging.SET_ASIDE_PIECE:
            seen["summed_again"].append(True)
        return sum_new_lines(*args, **kwargs)

    monkeypatch.setattr(staging, "merge", noting_key)
    monkeypatch.setattr(facts, "_sum_new_lines", noting_sums)
    return seen


@postgresql_only
def test_a_first_import_builds_the_unique_key_after_its_lines_and_sorts_out_repeats(
    tmp_path, deferring
):
    path, keys, repeats = _export(tmp_path)

    report, _ = import_sales(paths=[path])

    assert report.imported == keys == SalesLine.objects.count()
    assert report.duplicates_in_file + len(report.rejected) == repeats
    assert {row["code"] for row in report.rejected} == {"duplicate_conflict"}
    assert False in deferring["key"]  # chunks ran without the key
    assert sum(deferring["set_aside"]) > 0  # their rows that may repeat were set aside
    assert deferring["key"][-1]  # and merged with the key
    assert staging.key_index_exists()
    with pytest.raises(IntegrityError):
        SalesLine.objects.create(
            **{
                **SalesLine.objects.values().first(),
                "id": None,
            }
        )


@postgresql_only
def test_the_conflicts_of_rows_set_aside_are_reported_in_file_order(
    tmp_path, deferring, monkeypatch
):
    monkeypatch.setattr(RejectedRows, "KEPT", 7)  # most of them read back from the database
    path, _keys, _repeats = _export(tmp_path, bad_every=90)

    report, record = import_sales(paths=[path])

    lines = [row["line"] for row in report.rejected]
    codes = {row["code"] for row in report.rejected}
    assert sum(deferring["set_aside"]) > 0
    assert codes == {"duplicate_conflict", "number_not_numeric"}
    assert lines == sorted(lines)
    assert len(lines) == len(report.rejected) == record.rejected_count
    assert [rejection.line for rejection in record.rejections.all()] == lines


@postgresql_only
@pytest.mark.parametrize("build_on_the_way", [False, True])
def test_a_first_import_whose_rows_may_all_repeat_keeps_the_first_row_of_each_key(
    tmp_path, deferring, monkeypatch, build_on_the_way
):
    # The reader's filter says "maybe" for every key: every row is set aside until the key is
    # there (at the file's end, or on the way after 1,000 lines).
    monkeypatch.setattr(KeyFilter, "check", lambda _self, hashes: [True] * len(hashes))
    if build_on_the_way:
        monkeypatch.setattr(staging, "DEFER_INDEX_MAX_LINES", 1_000)
    path, keys, repeats = _export(tmp_path)

    report, _ = import_sales(paths=[path])

    assert report.imported == keys == SalesLine.objects.count()
    assert report.duplicates_in_file + len(report.rejected) == repeats
    assert not SalesLine.objects.filter(net_revenue_cents=1).exists()  # the first rows kept
    assert stored_facts() == facts_from_lines()
    assert staging.key_index_exists()


@postgresql_only
def test_a_file_written_twice_merges_its_rows_set_aside_a_chunk_at_a_time(
    tmp_path, deferring, monkeypatch
):
    path, keys, repeats = _export(tmp_path, rows=1_500)
    header, body = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(f"{header}\n{body}{body}", encoding="utf-8")  # every key again
    take = staging.take_set_aside
    pieces = []

    def noting(rows):
        pieces.append(take(rows))
        return pieces[-1]

    monkeypatch.setattr(staging, "take_set_aside", noting)

    report, _ = import_sales(paths=[path])

    assert report.imported == keys == SalesLine.objects.count()
    assert report.duplicates_in_file + len(report.rejected) == repeats + keys + repeats
    assert len(pieces) > 2 and max(pieces) == 400  # the importer's chunk size here
    assert not SalesLine.objects.filter(net_revenue_cents=1).exists()
    assert stored_facts() == facts_from_lines()


@postgresql_only
def test_rows_set_aside_go_in_before_the_next_chunk_when_another_import_made_the_key(
    tmp_path, deferring, monkeypatch
):
    monkeypatch.setattr(KeyFilter, "check", lambda _self, hashes: [True] * len(hashes))
    import_chunk = importer._ImportRun._import_chunk
    chunks = []

    def another_import_between(run, *args, **kwargs):
        chunks.append(run.rows_set_aside)
        if len(chunks) == 3:  # what another import does first (_defer_indexes)
            staging.build_deferred_indexes(then=facts.refresh_all)
        return import_chunk(run, *args, **kwargs)

    monkeypatch.setattr(importer._ImportRun, "_import_chunk", another_import_between)
    path, keys, repeats = _export(tmp_path)

    report, _ = import_sales(paths=[path])

    assert chunks[2] is True  # rows were set aside when the key came
    assert report.imported == keys == SalesLine.objects.count()
    assert report.duplicates_in_file + len(report.rejected) == repeats
    assert not SalesLine.objects.filter(net_revenue_cents=1).exists()
    assert stored_facts() == facts_from_lines()


@postgresql_only
def test_rows_set_aside_by_a_failed_first_import_are_stored_when_it_runs_again(
    tmp_path, deferring, monkeypatch
):
    path, keys, _repeats = _export(tmp_path)
    merge = staging.merge
    merges = []

    def failing(*args, **kwargs):
        merges.append(1)
        if len(merges) == 5:
            raise RuntimeError("the connection broke")
        return merge(*args, **kwargs)

    monkeypatch.setattr(staging, "merge", failing)
    with pytest.raises(RuntimeError):
        import_sales(paths=[path])
    monkeypatch.setattr(staging, "merge", merge)
    assert 0 < SalesLine.objects.count() < keys

    import_sales(paths=[path])

    assert SalesLine.objects.count() == keys
    assert not SalesLine.objects.filter(net_revenue_cents=1).exists()
    assert stored_facts() == facts_from_lines()


def test_the_spool_sums_of_chunks_with_repeats_give_exact_facts(tmp_path, deferring, monkeypatch):
    # SQLite's reader sums a chunk up while the importer is busy: here, always.
    monkeypatch.setattr(spools.ChunkSpool, "_importer_busy_before", lambda _self, _number: True)
    path, _keys, _repeats = _export(tmp_path)

    import_sales(paths=[path])

    assert deferring["summed_again"] == []  # every chunk's facts came from the spool's sums
    assert stored_facts() == facts_from_lines()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's reader sums up or not")
def test_chunks_the_reader_did_not_sum_up_give_exact_facts_too(tmp_path, deferring, monkeypatch):
    decisions = iter([True, False] * 100)
    monkeypatch.setattr(
        spools.ChunkSpool, "_importer_busy_before", lambda _self, _number: next(decisions)
    )
    path, _keys, _repeats = _export(tmp_path)

    import_sales(paths=[path])

    assert deferring["summed_again"]  # the importer summed the new lines of some chunks
    assert stored_facts() == facts_from_lines()


def test_sqlites_reader_sums_a_chunk_up_while_the_importer_is_two_chunks_behind(tmp_path):
    spool = spools.ChunkSpool(tmp_path, sum_up=True)
    try:
        spool._released.value = 3  # the importer has released chunks up to 3
        assert spool._importer_busy_before(5)  # it is still at chunk 4
        assert not spool._importer_busy_before(4)  # it waits for chunk 4
    finally:
        spool.close()


@postgresql_only
@pytest.mark.parametrize(
    "left",
    [
        "",  # a first import killed on the way
        # a build killed after the key's index, before the key
        f"CREATE UNIQUE INDEX {staging.KEY_CONSTRAINT} "
        "ON sales_salesline (invoice_number, line_number)",
    ],
)
def test_the_next_import_makes_the_key_a_killed_import_left_missing(tmp_path, deferring, left):
    path, _keys, _repeats = _export(tmp_path, rows=600)
    import_sales(paths=[path])
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE sales_salesline DROP CONSTRAINT {staging.KEY_CONSTRAINT}")
        if left:
            cursor.execute(left)

    report, _ = import_sales(paths=[path])

    assert report.imported == 0
    assert staging.key_index_exists()


@postgresql_only
def test_a_key_that_cannot_be_built_fails_the_build_which_leaves_no_index(tmp_path, deferring):
    path, _keys, _repeats = _export(tmp_path, rows=600)
    import_sales(paths=[path])
    with connection.cursor() as cursor:  # the key and index missing, a key twice
        cursor.execute(f"ALTER TABLE sales_salesline DROP CONSTRAINT {staging.KEY_CONSTRAINT}")
        cursor.execute(f"DROP INDEX {staging.ACCOUNT_INDEX}")
    line = SalesLine.objects.values().first()
    SalesLine.objects.create(**{**line, "id": None})

    with pytest.raises(IntegrityError):
        staging.build_deferred_indexes()

    assert not staging.key_index_exists()
    assert not staging.account_index_exists()  # built beside the key, rolled back with it


@postgresql_only
def test_the_importer_takes_a_chunk_before_its_sums_and_waits_for_them(
    tmp_path, deferring, monkeypatch
):
    import multiprocessing

    from django.db import connection as importing

    # The first chunk's sums wait until the importer has come to need them.
    needed = multiprocessing.get_context("fork").Event()
    sum_up = spools.TableSpool._sum_up_or_analyze

    def late(self, number):
        if number == 1:
            needed.wait(timeout=10)
        sum_up(self, number)

    monkeypatch.setattr(spools.TableSpool, "_sum_up_or_analyze", late)
    early = []
    ready = spools.totals_ready

    def noting(taken):
        with importing.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", list(taken.summing))
            early.append(not cursor.fetchone()[0])  # the spool was still summing it up
        needed.set()
        return ready(taken)

    monkeypatch.setattr(spools, "totals_ready", noting)
    path, _keys, _repeats = _export(tmp_path)

    import_sales(paths=[path])

    assert early[0] is True
    assert deferring["summed_again"] == []  # the facts came from the spool's sums all the same
    assert stored_facts() == facts_from_lines()
