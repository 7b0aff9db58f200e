"""The full recomputation on SQLite: computed on two more connections, range by range, while
the refreshing connection writes (kam.profitability.pipelined). On a SQLite file with kam's own
settings, in a process of its own (the tests' in-memory database has one connection)."""

import os
import time

import pytest
import time_machine
from django.db import connection

from kam.core import scratch
from kam.profitability import pipelined, services
from kam.profitability.models import AccountStatement
from kam.profitability.tests.helpers import TODAY, fact, only_rates
from kam.profitability.tests.pipelined_run import RUN, rows
from kam.profitability.tests.test_parts import MARCH, _dataset
from kam.profitability.tests.test_statements import FIRST_HALF, SECOND_HALF
from kam.testing.factories import AccountFactory
from kam.testing.sqlite_file import copy_test_database, run_on_file

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL recomputes in parts (test_parts)"
)


def _run_on_a_copy(folder, *args: str) -> dict:
    """The test database copied to a file, recomputed there by `pipelined_run`."""
    copy_test_database(folder / "data")
    first, last = services.statement_window()
    return run_on_file(folder / "data", RUN, first.isoformat(), last.isoformat(), *args)


def _computed_in_one_transaction(alice, bob) -> tuple[list, list]:
    accounts = _dataset(alice, bob)
    assert not pipelined.may_pipeline(None)  # the tests' database is in memory
    services.statements_refresh_all(rebuild_drivers=False)
    whole = rows()
    assert whole
    return accounts, whole


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_into_an_empty_table_it_stores_what_one_transaction_does(alice, bob, tmp_path):
    _accounts, whole = _computed_in_one_transaction(alice, bob)
    AccountStatement.objects.all().delete()

    result = _run_on_a_copy(tmp_path, "parts=4")

    assert result["pipelined"] is True
    assert result["rows"] == whole
    assert result["stored"] == [len(whole), 0, len(whole)]
    # Each range written on its own, every account in one of them, computed two at once.
    assert len(result["ranges_written"]) == 4
    assert sum(result["ranges_written"]) == len(whole)
    assert result["computing_threads"] == pipelined.COMPUTING_THREADS == 2


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_it_repairs_missing_wrong_and_gone_statements_and_leaves_current_ones(alice, bob, tmp_path):
    accounts, whole = _computed_in_one_transaction(alice, bob)
    AccountStatement.objects.filter(account=accounts[0]).delete()
    missing = sum(1 for row in whole if row[0] == accounts[0].pk)
    AccountStatement.objects.filter(account=accounts[3], month=MARCH).update(db4_cents=1)
    gone = AccountStatement.objects.filter(account=accounts[2]).first()
    gone.month = MARCH.replace(month=1)  # a month with neither sales nor costs
    gone.save(force_insert=True)

    result = _run_on_a_copy(tmp_path / "repair")

    assert result["rows"] == whole
    assert result["stored"] == [missing + 1, 1, len(whole)]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_fewer_accounts_than_ranges_are_computed_in_fewer_ranges(alice, tmp_path):
    only_rates(FIRST_HALF, SECOND_HALF)
    accounts = AccountFactory.create_batch(pipelined.PARTS - 2, owner=alice)
    for account in accounts:
        fact(account, MARCH, revenue="100.00", margin="30.00")
    services.statements_refresh_all(rebuild_drivers=False)
    whole = rows()
    AccountStatement.objects.all().delete()

    result = _run_on_a_copy(tmp_path)

    assert result["rows"] == whole and len(whole) == len(accounts)
    assert len(result["ranges_written"]) < pipelined.PARTS


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_statements_that_are_current_are_not_written(alice, bob, tmp_path):
    _accounts, whole = _computed_in_one_transaction(alice, bob)

    result = _run_on_a_copy(tmp_path)

    assert result["rows"] == whole
    assert result["stored"] == [0, 0, len(whole)]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_a_range_that_fails_to_compute_leaves_every_statement_as_it_was(alice, bob, tmp_path):
    accounts, _whole = _computed_in_one_transaction(alice, bob)
    AccountStatement.objects.filter(account=accounts[0]).update(db4_cents=1)
    before = rows()

    result = _run_on_a_copy(tmp_path, "fail", "parts=4")

    assert result["error"] == "computing failed"
    # The first range was written before the third failed: rolled back with the rest.
    assert result["ranges_written"] and result["rows"] == before


def test_what_a_killed_recomputation_left_is_removed_a_day_later(tmp_path):
    old, new = (tmp_path / f"{pipelined.SCRATCH_PREFIX}{name}" for name in ("old", "new"))
    for folder in (old, new):
        folder.mkdir()
        (folder / "range-0.sqlite3").write_bytes(b"x")
    day_and_more = time.time() - scratch.STALE_AFTER_SECONDS - 60
    os.utime(old, (day_and_more, day_and_more))

    scratch.remove_stale(tmp_path, pipelined.SCRATCH_PREFIX)

    assert not old.exists() and new.exists()
