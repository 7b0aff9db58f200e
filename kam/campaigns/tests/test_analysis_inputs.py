"""Event attendance as a criterion of the key-account score (analysis_inputs.py, a plug-in
hook): counted over the 12 months up to the date, weighed only as leadership sets it."""

import datetime
from datetime import date

import pytest
from django.utils import timezone

from kam.analysis.models import AnalysisSettings
from kam.analysis.services import analysis_compute
from kam.analysis.tests.factories import add_facts, months_ending
from kam.campaigns.models import Invitation, RsvpStatus
from kam.campaigns.tests.factories import event, segment
from kam.core.plugins import analysis_criteria
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def _held_on(alice, day: date):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(17)))
    return event(
        alice, segment(alice), starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )


def _came(party, person, attended=True):
    Invitation.objects.create(
        event=party, stakeholder=person, status=RsvpStatus.ACCEPTED, attended=attended
    )


@pytest.fixture
def accounts(alice):
    made = [AccountFactory(owner=alice, customer_number=f"2000{i}") for i in range(3)]
    for account in made:
        add_facts(account, months_ending(date(2025, 6, 1), [10_000] * 24))
    return made


def test_attendance_is_counted_over_the_12_months_up_to_the_date(accounts, alice):
    first, second, _third = accounts
    anna, ben = StakeholderFactory(account=first), StakeholderFactory(account=first)
    for day in (date(2025, 6, 30), date(2024, 7, 1), date(2024, 6, 30), date(2025, 7, 1)):
        _came(_held_on(alice, day), anna)
    recent = _held_on(alice, date(2025, 3, 1))
    _came(recent, ben)
    _came(recent, StakeholderFactory(account=second), attended=False)  # a no-show

    criteria = analysis_criteria(as_of=AS_OF)

    assert criteria["event_attendance"] == {first.pk: 3.0}


def test_attendance_raises_the_score_only_when_leadership_weighs_it(accounts, alice):
    first, second, _third = accounts
    party = _held_on(alice, date(2025, 5, 2))
    for _ in range(2):
        _came(party, StakeholderFactory(account=first))
    unweighted = analysis_compute(as_of=AS_OF)
    AnalysisSettings.objects.update_or_create(pk=1, defaults={"weight_event_attendance": 50})

    weighted = analysis_compute(as_of=AS_OF)

    row = list(weighted.account_ids).index(first.pk)
    other = list(weighted.account_ids).index(second.pk)
    assert unweighted.score[row] == unweighted.score[other]
    assert weighted.score[row] > weighted.score[other]
