"""SQLite: a first import of a large file stores its lines without the index by account and the
unique key and builds both after them (kam.sales.staging.defer_indexes,
kam.sales.sqlite_indexes); keys, repeats and facts stay exact meanwhile."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from kam.sales import staging
from kam.sales.importer import import_sales
from kam.sales.models import SalesLine
from kam.sales.tests.facts import facts_from_lines, stored_facts

HEADER = "Kundennummer;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
]


def _line(i: int, cents: int | None = None, prefix: str = "R") -> str:
    cents = i * 101 if cents is None else cents
    amount = f"{cents // 100},{cents % 100:02d}"
    return (
        f"{i % 7};{prefix}{i // 3};{1 + i % 3};{1 + i % 28:02d}.{1 + (i * 5) % 3:02d}.2025;"
        f"{amount}\n"
    )


def _export(tmp_path, rows: int = 3_000, prefix: str = "R"):
    """Not by date, so that chunks share months; every 50th line repeats one 700 lines before
    (an earlier chunk) or the line before (the same chunk), every 170th one repeats a key with
    another amount."""
    lines = []
    for i in range(rows):
        lines.append(_line(i, prefix=prefix))
        if i % 50 == 49:
            lines.append(_line(i - 700 if i >= 700 and i % 100 == 99 else i - 1, prefix=prefix))
        if i % 170 == 169:
            lines.append(_line(i - 600 if i >= 600 else i, cents=1, prefix=prefix))
    path = tmp_path / f"{prefix}.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path, rows, len(lines) - rows


@pytest.fixture
def deferring(monkeypatch):
    """Every first import defers the indexes; small chunks; notes whether the index by account
    was there for each chunk's facts."""
    monkeypatch.setattr(staging, "DEFER_INDEX_MIN_BYTES", 0)
    monkeypatch.setattr("kam.sales.importer.CHUNK_SIZE", 400)
    seen = []
    exists = staging.account_index_exists

    def noting():
        seen.append(exists())
        return seen[-1]

    monkeypatch.setattr(staging, "account_index_exists", noting)
    return seen


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT name FROM pragma_index_list(%s) WHERE "unique" = 0', ["sales_salesline"]
        )
        return {name for (name,) in cursor.fetchall()}


def test_a_first_import_builds_both_after_its_lines_with_exact_keys_and_facts(tmp_path, deferring):
    path, keys, repeats = _export(tmp_path)

    report, _ = import_sales(paths=[path])

    assert report.imported == keys == SalesLine.objects.count()
    assert report.duplicates_in_file + len(report.rejected) == repeats
    assert {row["code"] for row in report.rejected} == {"duplicate_conflict"}
    assert False in deferring  # chunks ran without the index
    assert staging.account_index_exists() and staging.key_index_exists()
    assert stored_facts() == facts_from_lines()
    with pytest.raises(IntegrityError):
        SalesLine.objects.create(**{**SalesLine.objects.values().first(), "id": None})


def test_ids_go_on_above_the_lines_stored_before(tmp_path, deferring):
    path, _keys, _repeats = _export(tmp_path, rows=600)
    import_sales(paths=[path])
    highest = SalesLine.objects.order_by("-id").values_list("id", flat=True).first()
    SalesLine.objects.all().delete()

    import_sales(paths=[path])

    assert SalesLine.objects.order_by("id").values_list("id", flat=True).first() > highest


def test_a_large_file_builds_them_on_the_way(tmp_path, deferring, monkeypatch):
    monkeypatch.setattr(staging, "DEFER_INDEX_MAX_LINES", 1_000)
    path, _keys, _repeats = _export(tmp_path)

    import_sales(paths=[path])

    assert deferring[-1] is True  # the last chunks had it again
    assert stored_facts() == facts_from_lines()


def test_the_next_import_makes_what_a_killed_first_import_left_missing(tmp_path, deferring):
    path, _keys, _repeats = _export(tmp_path, rows=600)
    import_sales(paths=[path])
    with connection.cursor() as cursor:  # what a first import killed on the way leaves
        cursor.execute(f"DROP INDEX {staging.ACCOUNT_INDEX}")
        cursor.execute(f"DROP INDEX {staging.KEY_CONSTRAINT}")

    report, _ = import_sales(paths=[_export(tmp_path, rows=600, prefix="S")[0]])

    assert report.imported == 600
    assert staging.account_index_exists() and staging.key_index_exists()
    assert stored_facts() == facts_from_lines()


def test_an_import_into_a_table_with_lines_keeps_them(tmp_path, deferring):
    import_sales(paths=[_export(tmp_path, rows=600)[0]])
    deferring.clear()

    import_sales(paths=[_export(tmp_path, rows=1_200, prefix="S")[0]])

    assert deferring and all(deferring)
    assert staging.ACCOUNT_INDEX in _indexes()
    assert stored_facts() == facts_from_lines()


def test_an_import_that_matches_its_rows_while_the_key_is_missing_builds_it_first(
    tmp_path, deferring, monkeypatch
):
    path, keys, _repeats = _export(tmp_path, rows=600)
    import_sales(paths=[path])
    with connection.cursor() as cursor:  # as another import's first one leaves them meanwhile
        cursor.execute(f"DROP INDEX {staging.ACCOUNT_INDEX}")
        cursor.execute(f"DROP INDEX {staging.KEY_CONSTRAINT}")
    monkeypatch.setattr("kam.sales.importer._ImportRun._defer_indexes", lambda self, file: False)

    report, _ = import_sales(paths=[path])

    assert report.unchanged == keys
    assert staging.key_index_exists() and staging.account_index_exists()
