"""Replacing a statements table whose statements mostly change (PostgreSQL): a new table
filled in parts, the months outside the window copied over, swapped in."""

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection

from kam.profitability import fill, services
from kam.profitability.models import AccountStatement, CostRates
from kam.profitability.tests.helpers import TODAY
from kam.profitability.tests.test_fill import TABLE, _fill_exists, _rows, _schema
from kam.profitability.tests.test_parts import _dataset, _wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)

OLD_MONTH = datetime.date(2023, 1, 1)  # before the window of TODAY's full recomputation
WINDOW_FIRST = datetime.date(2024, 1, 1)


def _in_window(rows: list[tuple]) -> list[tuple]:
    """The rows of `_rows()` (account, month, figures) of the window's months."""
    return [row for row in rows if row[1] >= WINDOW_FIRST]


def _oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [TABLE])
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def on_today():
    """The day of the tests' statement window, for the fixtures as for the tests."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def refresh(settings):
    """A full recomputation from the kept facts in so many parts."""

    def run(parts: int):
        settings.KAM_PROFITABILITY_PARTS = parts
        return services.statements_refresh_all(rebuild_drivers=False)

    return run


def _new_rates() -> None:
    CostRates.objects.update(hourly_rate_kam=Decimal("99.00"), hourly_rate_field=Decimal("77.00"))


def _recorded_parts(monkeypatch) -> list:
    parts: list = []
    real = fill._Part.__call__

    def recording(self):
        parts.append(self)
        return real(self)

    monkeypatch.setattr(fill._Part, "__call__", recording)
    return parts


@pytest.fixture
def rates_changed(postgresql, alice, bob, refresh, monkeypatch):
    """The statements under the old rates stored (one also in a month before the window),
    the rates changed; what one transaction computes under the new rates, and the accounts."""
    accounts = _dataset(alice, bob)
    old = list(CostRates.objects.values())
    _new_rates()
    refresh(parts=1)
    expected = _rows()
    for values in old:
        CostRates.objects.filter(pk=values["id"]).update(**values)
    refresh(parts=1)
    AccountStatement.objects.create(account=accounts[1], month=OLD_MONTH, db4_cents=7)
    _new_rates()
    monkeypatch.setattr(fill, "REPLACE_MIN_STATEMENTS", 0)
    return accounts, expected


def _old_statement() -> list:
    return list(AccountStatement.objects.filter(month=OLD_MONTH).values_list("db4_cents"))


def test_a_table_whose_statements_mostly_change_is_replaced(rates_changed, refresh, monkeypatch):
    # Given stored statements that the new rates change (and one before the window)
    accounts, expected = rates_changed
    assert _in_window(_rows()) != expected
    schema, oid = _schema(), _oid()
    parts = _recorded_parts(monkeypatch)

    # When all accounts are recomputed with two parts
    result = refresh(parts=2)

    # Then a new table filled by two parts took the table's place, under its names
    assert len(parts) == 2
    assert _oid() != oid
    assert _schema() == schema
    assert not _fill_exists()
    # holding the statements of one transaction to the cent, and the month before the window
    assert _in_window(_rows()) == expected
    assert _old_statement() == [(7,)]
    assert (result.written, result.rows) == (len(expected), len(expected))
    # and its key refuses a second statement of an account and month
    with pytest.raises(IntegrityError):
        AccountStatement.objects.create(account=accounts[1], month=OLD_MONTH)


def test_a_table_whose_statements_stay_is_compared_not_replaced(
    rates_changed, refresh, monkeypatch
):
    # Given the statements stored under the new rates
    _accounts, expected = rates_changed
    refresh(parts=1)
    oid, parts = _oid(), _recorded_parts(monkeypatch)

    # When all accounts are recomputed with two parts, then nothing was written or replaced
    result = refresh(parts=2)

    assert (parts, result.written, result.deleted) == ([], 0, 0)
    assert _oid() == oid
    assert _in_window(_rows()) == expected


def test_a_table_mostly_outside_the_window_is_compared_not_replaced(
    rates_changed, refresh, monkeypatch
):
    # Given as many statements before the window as in it
    accounts, expected = rates_changed
    AccountStatement.objects.bulk_create(
        AccountStatement(account=accounts[n % len(accounts)], month=datetime.date(2000 + n, 1, 1))
        for n in range(len(expected))
    )
    oid, parts = _oid(), _recorded_parts(monkeypatch)

    # When all accounts are recomputed, then the table is updated in place
    result = refresh(parts=2)

    assert parts == []
    assert _oid() == oid
    assert result.written > 0
    assert _in_window(_rows()) == expected


def test_statements_deleted_during_the_replacement_are_deleted_from_the_new_table(
    rates_changed, refresh, monkeypatch
):
    # Given a replacement held up once its new table is filled
    accounts, expected = rates_changed
    filled, go = threading.Event(), threading.Event()
    real = fill._indexes

    def held():
        filled.set()
        assert go.wait(30)
        return real()

    monkeypatch.setattr(fill, "_indexes", held)
    full = threading.Thread(target=lambda: _run_closed(lambda: refresh(parts=2)))
    full.start()
    assert filled.wait(30)

    # When an account's statements are deleted meanwhile (the delete waits for the new table)
    gone = accounts[2].pk
    deleting = threading.Thread(
        target=lambda: _run_closed(AccountStatement.objects.filter(account_id=gone).delete)
    )
    deleting.start()
    _wait_for_a_lock_wait()
    go.set()
    full.join(60)
    deleting.join(60)

    # Then the new table holds every statement but that account's
    assert not full.is_alive() and not deleting.is_alive()
    assert _in_window(_rows()) == [row for row in expected if row[0] != gone]


def _run_closed(work) -> None:
    try:
        work()
    finally:
        connection.close()
