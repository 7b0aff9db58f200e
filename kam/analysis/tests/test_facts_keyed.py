"""The facts read with the account in the packed days' upper bits, and without (large ids)."""

from datetime import date

import numpy as np
import pytest

from kam.analysis import facts
from kam.analysis.tests.factories import add_facts, months_ending
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
LAST = date(2025, 6, 1)


def _columns(keyed: bool, monkeypatch) -> list[list[int]]:
    monkeypatch.setattr(facts, "_ids_fit_the_key", lambda: keyed)
    read = facts._window_rows(date(2024, 7, 1), LAST)
    order = np.lexsort((read[3], read[0]))  # by account, then month
    return [column[order].tolist() for column in read]


def test_the_account_packed_with_the_days_reads_the_same_facts(monkeypatch):
    big, small = AccountFactory(), AccountFactory()
    add_facts(big, months_ending(LAST, [50_000, -1_200, 7] * 4), days=31)
    add_facts(small, months_ending(LAST, [0, 3] * 6), days=1)

    keyed = _columns(True, monkeypatch)

    assert keyed == _columns(False, monkeypatch)
    account, revenue, _margin, _month, days, first, last = keyed
    assert account == [big.pk] * 12 + [small.pk] * 6
    assert revenue[:3] == [5_000_000, -120_000, 700] and set(days) == {31, 1}
    assert set(first) == {5} and set(last) == {20}


def test_ids_too_large_for_the_key_are_read_in_a_column_of_their_own():
    assert facts._ids_fit_the_key()  # no facts at all
    add_facts(AccountFactory(id=(1 << 40) - 1), months_ending(LAST, [100]))
    assert facts._ids_fit_the_key()
    add_facts(AccountFactory(id=1 << 40), months_ending(LAST, [100]))
    assert not facts._ids_fit_the_key()
    read = facts._window_rows(LAST, LAST)
    assert sorted(read[0].tolist()) == [(1 << 40) - 1, 1 << 40]


def test_an_account_that_bought_only_before_the_window_keeps_its_last_purchase():
    """Five years back and more (MAX_WINDOW_MONTHS); once refused by PostgreSQL's grouping."""
    old, recent = AccountFactory(), AccountFactory()
    add_facts(old, months_ending(date(2019, 3, 1), [80, 90]))
    add_facts(recent, months_ending(LAST, [100] * 24))

    read = facts.load_facts(LAST)

    assert read.account_ids.tolist() == [old.pk, recent.pk]
    assert read.first_month == date(2020, 7, 1) and read.older_facts
    assert read.last_purchase.astype(str).tolist() == ["2019-03-20", "2025-06-20"]
    assert read.revenue_cents[0].sum() == 0
