"""The later months of a large read, read by a helper process from the SQLite file."""

import sqlite3
from datetime import date

import numpy as np
import pytest
from django.db import connection

from kam.analysis import facts
from kam.analysis.fact_reader import HelperRead, HelperReadError
from kam.analysis.tests.factories import add_facts, months_ending
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
LAST = date(2025, 6, 1)
MONTHS = [date(2025, month, 1) for month in range(1, 7)]
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the helper reads SQLite files only"
)


@pytest.fixture
def database_file(tmp_path):
    """The test database's facts, copied into an SQLite file a helper process can open."""
    big, small = AccountFactory(), AccountFactory()
    add_facts(big, months_ending(LAST, [50_000, -1_200, 7, 0, 12, 9]), days=31)
    add_facts(small, months_ending(LAST, [0, 3, 0, 4, 0, 5]), days=1)
    path = tmp_path / "kam.sqlite3"
    table = facts._fact_table()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table.strip('"')])
        create = cursor.fetchone()[0]
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    copy = sqlite3.connect(path)
    with copy:
        copy.execute(create)
        marks = ", ".join("?" * len(rows[0]))
        copy.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
    copy.close()
    return str(path)


def _sql(keyed: bool) -> str:
    return facts._month_sql(keyed).replace("%s", "?")


def _dtype(keyed: bool) -> np.dtype:
    return facts._KEYED_ROW if keyed else facts._FACT_ROW


@sqlite_only
@pytest.mark.parametrize("keyed", [True, False])
def test_the_helper_reads_its_months_as_this_process_does(database_file, keyed):
    later = [month.isoformat() for month in MONTHS[3:]]

    read = HelperRead(database_file, _sql(keyed), later, _dtype(keyed)).result()

    with connection.cursor() as cursor:
        own = [facts._month_rows(cursor, month, keyed) for month in MONTHS[3:]]
    assert [rows.tolist() for rows in read] == [rows.tolist() for rows in own]
    assert [len(rows) for rows in read] == [1, 1, 2]


@sqlite_only
def test_a_failing_helper_says_why(database_file):
    sql = "SELECT id FROM nowhere WHERE month = ?"
    helper = HelperRead(database_file, sql, ["2025-01-01"], _dtype(True))

    with pytest.raises(HelperReadError, match="no such table"):
        helper.result()


@sqlite_only
def test_a_read_split_with_the_helper_gives_every_month_in_order(database_file, monkeypatch):
    in_process = facts._read_months(MONTHS, True)
    monkeypatch.setattr(
        facts,
        "_helper_read",
        lambda months, keyed: HelperRead(
            database_file,
            _sql(keyed),
            [m.isoformat() for m in months[len(months) // 2 :]],
            _dtype(keyed),
        ),
    )

    split = facts._read_months(MONTHS, True)

    assert [rows.tolist() for rows in split] == [rows.tolist() for rows in in_process]


def test_when_the_helper_fails_this_process_reads_its_months(monkeypatch, caplog):
    add_facts(AccountFactory(), months_ending(LAST, [1, 2, 3, 4, 5, 6]))
    in_process = facts._read_months(MONTHS, True)

    class Failing:
        def result(self):
            raise HelperReadError("gone")

    monkeypatch.setattr(facts, "_helper_read", lambda months, keyed: Failing())

    assert [r.tolist() for r in facts._read_months(MONTHS, True)] == [
        r.tolist() for r in in_process
    ]
    assert "did not read the facts: gone" in caplog.text


def test_no_helper_for_a_database_in_memory_or_a_small_read(monkeypatch):
    add_facts(AccountFactory(), months_ending(LAST, [1, 2, 3, 4, 5, 6]))

    assert facts._sqlite_file() is None  # in memory, in a transaction (or PostgreSQL)
    assert facts._helper_read(MONTHS, True) is None
    monkeypatch.setattr(facts, "_sqlite_file", lambda: "/some/file.sqlite3")
    assert facts._helper_read(MONTHS, True) is None  # 6 facts
    monkeypatch.setattr(facts, "HELPER_READ_FACTS", 6)
    started = []
    monkeypatch.setattr(facts, "HelperRead", lambda *args: started.append(args) or "helper")
    assert facts._helper_read(MONTHS, True) == "helper"
    assert started[0][0] == "/some/file.sqlite3"
    assert started[0][2] == ["2025-04-01", "2025-05-01", "2025-06-01"]


@sqlite_only
def test_the_helper_imports_the_package_this_process_runs(database_file, monkeypatch, tmp_path):
    monkeypatch.delenv("PYTHONPATH", raising=False)  # e.g. a script that set its sys.path
    monkeypatch.chdir(tmp_path)  # and was started elsewhere

    read = HelperRead(database_file, _sql(True), ["2025-06-01"], _dtype(True)).result()

    assert len(read[0]) == 2
