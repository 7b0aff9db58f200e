"""PostgreSQL: a first import of a large file builds the lines' index by account, and the facts'
key and index by month, after its lines (kam.sales.staging.defer_indexes); the facts stay exact
meanwhile."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from kam.sales import facts, staging
from kam.sales.importer import import_sales
from kam.sales.models import MonthlyFact
from kam.sales.tests.facts import facts_from_lines, stored_facts

HEADER = "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _file(tmp_path, name: str, rows: int, prefix: str = "R"):
    """Rows of 7 customers over three months, invoices of up to three lines, not by date: the
    chunks share months, whose facts are recomputed from all their lines."""
    lines = [
        f"{i % 7};{prefix}{i // 3};{1 + i % 28:02d}.{1 + (i * 5) % 3:02d}.2025;{i},{i % 100:02d}\n"
        for i in range(rows)
    ]
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def deferring(monkeypatch):
    """Every first import defers the index; small chunks."""
    monkeypatch.setattr(staging, "DEFER_INDEX_MIN_BYTES", 0)
    monkeypatch.setattr("kam.sales.importer.CHUNK_SIZE", 400)
    seen = []
    refresh = staging.account_index_exists

    def noting():
        exists = refresh()
        seen.append(exists)
        return exists

    monkeypatch.setattr(staging, "account_index_exists", noting)
    return seen


@pytest.fixture
def fact_keys(monkeypatch):
    """Whether the facts' key was there, each time the import asked."""
    seen = []
    exists = staging.fact_key_exists

    def noting():
        seen.append(exists())
        return seen[-1]

    monkeypatch.setattr(staging, "fact_key_exists", noting)
    return seen


def _fact_month_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [staging.FACT_MONTH_INDEX])
        return cursor.fetchone() is not None


def test_a_first_import_builds_the_index_after_its_lines_with_exact_facts(tmp_path, deferring):
    report, _ = import_sales(paths=[_file(tmp_path, "first.csv", 3_000)])

    assert report.imported == 3_000
    assert False in deferring  # chunks ran without the index
    assert staging.account_index_exists()
    assert stored_facts() == facts_from_lines()


def test_a_first_import_builds_the_facts_key_after_its_facts(tmp_path, deferring, fact_keys):
    import_sales(paths=[_file(tmp_path, "first.csv", 3_000)])

    # Chunks ran without the facts' key: months shared by chunks were replaced, not upserted.
    assert False in fact_keys
    assert stored_facts() == facts_from_lines()
    assert staging.fact_key_exists()
    assert _fact_month_index_exists()
    fact = MonthlyFact.objects.values().first()
    with pytest.raises(IntegrityError):
        MonthlyFact.objects.create(**{**fact, "id": None})


def test_a_first_import_recomputes_the_facts_of_shared_months_once_its_index_is_there(
    tmp_path, deferring, monkeypatch
):
    put_off = []
    put_off_touched = facts._put_off_touched

    def noting():  # each chunk's pairs, while the lines have no index by account
        put_off_touched()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {staging.PUT_OFF}")  # noqa: S608
            put_off.append((staging.account_index_exists(), cursor.fetchone()[0]))

    monkeypatch.setattr(facts, "_put_off_touched", noting)
    import_sales(paths=[_file(tmp_path, "first.csv", 3_000)])

    # The chunks share months: each chunk's touched pairs wait for the index (instead of a
    # scan of all lines a chunk) and are recomputed with it, at the import's end.
    assert put_off and not any(indexed for indexed, _ in put_off) and put_off[-1][1] > 0
    assert stored_facts() == facts_from_lines()


def test_the_next_import_recomputes_the_facts_a_killed_first_import_put_off(
    tmp_path, deferring, monkeypatch
):
    build = staging.build_deferred_indexes
    monkeypatch.setattr(staging, "build_deferred_indexes", lambda then=None: None)
    import_sales(paths=[_file(tmp_path, "first.csv", 3_000)])  # killed before its indexes
    assert not staging.account_index_exists()
    assert stored_facts() != facts_from_lines()  # months its chunks share, put off

    monkeypatch.setattr(staging, "build_deferred_indexes", build)
    import_sales(paths=[_file(tmp_path, "next.csv", 1_000, prefix="S")])

    assert staging.account_index_exists()
    assert stored_facts() == facts_from_lines()


def test_a_large_file_builds_the_index_on_the_way(tmp_path, deferring, monkeypatch):
    monkeypatch.setattr(staging, "DEFER_INDEX_MAX_LINES", 1_000)

    import_sales(paths=[_file(tmp_path, "first.csv", 3_000)])

    assert deferring[-1] is True  # the last chunks had it again
    assert stored_facts() == facts_from_lines()


def test_the_next_import_makes_the_index_a_killed_first_import_left_missing(tmp_path, deferring):
    import_sales(paths=[_file(tmp_path, "first.csv", 1_000)])
    with connection.cursor() as cursor:  # what a first import killed on the way leaves
        cursor.execute(f"DROP INDEX {staging.ACCOUNT_INDEX}")

    report, _ = import_sales(paths=[_file(tmp_path, "next.csv", 1_000, prefix="S")])

    assert report.imported == 1_000
    assert staging.account_index_exists()
    assert stored_facts() == facts_from_lines()


def test_the_next_import_makes_the_facts_key_a_killed_first_import_left_missing(
    tmp_path, deferring
):
    import_sales(paths=[_file(tmp_path, "first.csv", 1_000)])
    with connection.cursor() as cursor:  # what a first import killed on the way leaves
        cursor.execute(
            f"ALTER TABLE sales_monthlyfact DROP CONSTRAINT {staging.FACT_KEY_CONSTRAINT}"
        )
        cursor.execute(f"DROP INDEX {staging.FACT_MONTH_INDEX}")

    import_sales(paths=[_file(tmp_path, "next.csv", 1_000, prefix="S")])

    assert staging.fact_key_exists()
    assert _fact_month_index_exists()
    assert stored_facts() == facts_from_lines()


def test_an_import_into_a_table_with_lines_keeps_the_index(tmp_path, deferring):
    import_sales(paths=[_file(tmp_path, "first.csv", 1_000)])
    deferring.clear()

    import_sales(paths=[_file(tmp_path, "next.csv", 2_000, prefix="S")])

    assert deferring and all(deferring)
    assert stored_facts() == facts_from_lines()
