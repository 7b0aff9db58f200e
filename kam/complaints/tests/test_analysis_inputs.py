"""Complaints give the analysis their counts per account (analysis_inputs.py, a plug-in hook);
the analysis never reads complaint rows itself."""

import datetime
from datetime import date

import pytest
from django.utils import timezone

from kam.analysis.services import analysis_compute
from kam.analysis.tests.factories import add_facts, months_ending
from kam.complaints.selectors import complaint_counts_by_account
from kam.complaints.tests.factories import ensure_defaults, make_complaint
from kam.core.plugins import analysis_criteria
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def _received(day: date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def accounts(alice):
    ensure_defaults()
    made = [AccountFactory(owner=alice, customer_number=f"1000{i}") for i in range(3)]
    for account in made:
        add_facts(account, months_ending(date(2025, 6, 1), [10_000] * 24))
    return made


def test_counts_are_of_the_12_months_up_to_the_date(accounts, alice):
    first, second, _third = accounts
    for day in (date(2025, 6, 30), date(2024, 7, 1), date(2024, 6, 30), date(2025, 7, 1)):
        make_complaint(first, alice, received_at=_received(day))
    make_complaint(second, alice, received_at=_received(date(2025, 1, 15)))

    counts = complaint_counts_by_account(since=date(2024, 6, 30), until=AS_OF)

    assert counts == {first.pk: 2, second.pk: 1}
    assert analysis_criteria(as_of=AS_OF)["complaints"] == {first.pk: 2.0, second.pk: 1.0}


def test_the_score_counts_an_accounts_complaints_against_it(accounts, alice):
    first, second, _third = accounts
    before = analysis_compute(as_of=AS_OF)
    for _ in range(3):
        make_complaint(first, alice, received_at=_received(date(2025, 5, 2)))

    after = analysis_compute(as_of=AS_OF)

    row = list(after.account_ids).index(first.pk)
    other = list(after.account_ids).index(second.pk)
    assert after.score[row] < before.score[row]
    assert after.score[row] < after.score[other]
