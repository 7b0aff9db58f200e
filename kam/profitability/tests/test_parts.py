"""The full recomputation in parts (PostgreSQL): each range of accounts on its own connection."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from kam.profitability import parts, services
from kam.profitability.models import AccountStatement
from kam.profitability.statements import AccountRange
from kam.profitability.tests.helpers import TODAY, complaint, contact, fact, only_rates, stored
from kam.profitability.tests.test_statements import FIRST_HALF, MARCH, SECOND_HALF
from kam.testing.factories import AccountFactory

APRIL = datetime.date(2026, 4, 1)


def _in(accounts: AccountRange, account_id: int) -> bool:
    return (accounts.low is None or accounts.low <= account_id) and (
        accounts.high is None or account_id < accounts.high
    )


@pytest.mark.django_db
def test_the_ranges_hold_every_account_once_and_about_as_many_each(alice):
    accounts = AccountFactory.create_batch(7, owner=alice)

    ranges = parts.account_ranges(3)

    assert len(ranges) == 3
    assert ranges[0].low is None and ranges[-1].high is None
    counts = [sum(_in(r, a.pk) for a in accounts) for r in ranges]
    assert counts == [2, 2, 3]
    assert all(sum(_in(r, a.pk) for r in ranges) == 1 for a in accounts)
    assert all(_in(r, accounts[-1].pk + 1000) for r in ranges[-1:])


@pytest.mark.django_db
def test_fewer_accounts_than_parts_give_one_range(alice):
    AccountFactory(owner=alice)

    assert parts.account_ranges(4) == [AccountRange(None, None)]


def _dataset(alice, bob) -> list:
    """Accounts in every range: with sales only, costs only, both, and neither."""
    only_rates(FIRST_HALF, SECOND_HALF)
    accounts = AccountFactory.create_batch(7, owner=alice)
    for number, account in enumerate(accounts):
        if number % 3 != 1:
            fact(account, MARCH, revenue=f"{1000 + number}.00", margin="300.00", invoices=2)
        if number % 2 == 0:
            contact(account, alice, datetime.date(2026, 3, 3), "visit", participants=[bob])
            contact(account, bob, datetime.date(2026, 4, 9), "phone")
        if number == 5:
            complaint(account, datetime.date(2026, 4, 1), "medium")
    return accounts


def _recorded_parts(monkeypatch) -> list:
    ranges: list = []
    real = parts._Window.compute

    def recording(self, accounts):
        ranges.append(accounts)
        return real(self, accounts)

    monkeypatch.setattr(parts._Window, "compute", recording)
    return ranges


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_the_recomputation_in_parts_equals_the_one_in_one_transaction(
    postgresql, alice, bob, settings, monkeypatch
):
    # Given statements computed in one transaction
    accounts = _dataset(alice, bob)
    settings.KAM_PROFITABILITY_PARTS = 1
    services.statements_refresh_all(rebuild_drivers=False)
    whole = stored()
    assert {month for _account, month in whole} == {MARCH, APRIL}
    # and then some stale, some wrong and some missing ones
    AccountStatement.objects.filter(account=accounts[0]).delete()
    AccountStatement.objects.filter(account=accounts[3]).update(db4_cents=1)
    AccountStatement.objects.create(account=accounts[6], month=datetime.date(2025, 1, 1))
    settings.KAM_PROFITABILITY_PARTS = 3
    ranges = _recorded_parts(monkeypatch)

    # When all accounts are recomputed in three parts
    result = services.statements_refresh_all(rebuild_drivers=False)

    # Then each part computed a third of the accounts, and the statements equal to the cent
    assert len(ranges) == 3
    assert stored() == whole
    assert result.rows == len(whole)
    assert result.deleted == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_the_repair_in_parts_rebuilds_the_driver_facts_first(
    postgresql, alice, bob, settings, monkeypatch
):
    accounts = _dataset(alice, bob)
    settings.KAM_PROFITABILITY_PARTS = 1
    services.statements_refresh_all()
    whole = stored()
    AccountStatement.objects.exclude(account=accounts[0]).delete()
    from kam.profitability.models import CostDriverFact

    CostDriverFact.objects.all().delete()
    settings.KAM_PROFITABILITY_PARTS = 2
    ranges = _recorded_parts(monkeypatch)

    services.statements_refresh_all()

    assert len(ranges) == 2
    assert stored() == whole


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_an_activity_logged_during_a_recomputation_in_parts_is_not_lost(
    postgresql, alice, bob, settings, monkeypatch
):
    # Given a recomputation in parts that is held up once its parts have begun
    accounts = _dataset(alice, bob)
    services.statements_refresh_all(rebuild_drivers=False)
    before = stored()[(accounts[2].pk, MARCH)]
    settings.KAM_PROFITABILITY_PARTS = 2
    began, go = threading.Event(), threading.Event()
    real = parts._Window.compute

    def held(self, accounts):
        began.set()
        assert go.wait(30)
        return real(self, accounts)

    monkeypatch.setattr(parts._Window, "compute", held)

    def in_thread(work):
        def run():
            try:
                work()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    full = in_thread(lambda: services.statements_refresh_all(rebuild_drivers=False))
    assert began.wait(30)
    # When a visit is logged meanwhile (its update waits for the recomputation's lock)
    visit = in_thread(lambda: contact(accounts[2], alice, datetime.date(2026, 3, 20), "visit"))
    _wait_for_a_lock_wait()
    go.set()
    full.join(60)
    visit.join(60)

    # Then the account's statement counts the visit
    after = stored()[(accounts[2].pk, MARCH)]
    assert after[3] > before[3]
    services.statements_refresh_all(rebuild_drivers=False)
    assert stored()[(accounts[2].pk, MARCH)] == after


def _wait_for_a_lock_wait() -> None:
    """Until another connection waits for a lock (the visit's update, for the refresh row)."""
    with connection.cursor() as cursor:
        for _attempt in range(3000):
            cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the visit's update never waited for the recomputation")
