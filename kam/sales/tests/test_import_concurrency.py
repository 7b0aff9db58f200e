"""Two imports at the same time that bring the same new customers and lines (issue 13, 9)."""

import pytest
from django.db import connection

from kam.sales.tests.concurrent import (
    RUN,
    import_one_after_the_other,
    import_together,
    state,
    write_exports,
)
from kam.testing.sqlite_file import copy_test_database, run_on_file

on_postgres = connection.vendor == "postgresql"


@pytest.mark.skipif(not on_postgres, reason="PostgreSQL: two connections in one process")
@pytest.mark.django_db(transaction=True)
def test_two_imports_together_end_as_one_after_the_other_on_postgres(tmp_path, monkeypatch):
    from kam.sales import importer

    monkeypatch.setattr(importer, "CHUNK_SIZE", importer.CHUNK_SIZE)  # restored afterwards
    paths = write_exports(tmp_path)

    errors = import_together(paths)
    together = state()
    from kam.accounts.models import Account
    from kam.sales.models import MonthlyFact, SalesImport, SalesLine

    for model in (SalesLine, MonthlyFact, SalesImport, Account):
        model.objects.all().delete()
    import_one_after_the_other(paths)

    assert errors == []
    assert together == state()
    assert len(together["accounts"]) == 5 and len(together["lines"]) == 60


@pytest.mark.skipif(on_postgres, reason="SQLite: the test database copied to a file")
@pytest.mark.django_db(transaction=True)
def test_two_imports_together_end_as_one_after_the_other_on_sqlite(tmp_path):
    """A process of its own on a SQLite file with kam's own settings (WAL, IMMEDIATE
    transactions, busy timeout): the second writer waits instead of failing."""
    paths = write_exports(tmp_path)
    results = {}
    for mode in ("together", "sequential"):
        data_dir = tmp_path / mode
        copy_test_database(data_dir)  # the migrated, empty test database
        results[mode] = run_on_file(data_dir, RUN, mode, *map(str, paths))

    assert results["together"]["errors"] == []
    assert results["together"]["state"] == results["sequential"]["state"]
    assert len(results["together"]["state"]["accounts"]) == 5
    assert len(results["together"]["state"]["lines"]) == 60
