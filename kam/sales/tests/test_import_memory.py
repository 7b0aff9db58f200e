"""What keeps an import's memory bounded by the chunk where SQLite would grow it with the table."""

import pytest
from django.db import connection

from kam.sales import staging
from kam.sales.importer import import_sales

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's temporary files")

HEADER = "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n"
FILE = 1  # PRAGMA temp_store


def _temp_store() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_chunk_journals_its_statements_on_disk_and_the_connection_is_as_before(
    tmp_path, monkeypatch
):
    seen = []
    real_merge = staging.merge

    def merge(*args, **kwargs):
        seen.append(_temp_store())
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(staging, "merge", merge)
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "1;R1;01.02.2025;1\n2;R2;02.02.2025;2\n", encoding="utf-8")
    before = _temp_store()

    report, _ = import_sales(paths=[path])

    assert report.imported == 2
    assert seen == [FILE]
    assert _temp_store() == before  # kam sets MEMORY (the tests leave the default)
