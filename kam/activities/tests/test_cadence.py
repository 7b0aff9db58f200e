"""Cadence computation: pure properties over random histories, and the database path."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from kam.accounts.models import KeyAccountStatus
from kam.activities.cadence import Cadence, coverage_percent, coverage_state, requirement_state
from kam.activities.coverage import coverage_for, overdue_accounts
from kam.activities.models import ActivityKind, ActivityStatus, CadenceRule
from kam.activities.services import account_cadence_set
from kam.activities.tests.factories import ActivityFactory
from kam.testing.factories import AccountFactory

TODAY = date(2026, 6, 15)
kinds = st.sampled_from(["visit", "phone", "email"])
histories = st.lists(st.tuples(st.integers(0, 400), kinds), max_size=20)
every = st.one_of(st.none(), st.integers(1, 200))


def state_for(history, visit_days, contact_days, baseline_age=500):
    visits = [TODAY - timedelta(days=age) for age, kind in history if kind == "visit"]
    contacts = [TODAY - timedelta(days=age) for age, _kind in history]
    return coverage_state(
        cadence=Cadence(visit_days, contact_days),
        last_visit=max(visits, default=None),
        last_contact=max(contacts, default=None),
        baseline=TODAY - timedelta(days=baseline_age),
        today=TODAY,
    )


@given(histories, every, every)
def test_overdue_exactly_when_no_qualifying_contact_within_the_interval(history, visit, contact):
    state = state_for(history, visit, contact)

    if visit:
        recent_visit = any(kind == "visit" and age <= visit for age, kind in history)
        assert state.visit.overdue == (not recent_visit)
    else:
        assert state.visit is None
    if contact:
        assert state.contact.overdue == (not any(age <= contact for age, _kind in history))
    else:
        assert state.contact is None


@given(histories, st.integers(1, 200), st.integers(1, 200))
def test_a_visit_today_clears_every_overdue_state(history, visit, contact):
    state = state_for([*history, (0, "visit")], visit, contact)

    assert not state.overdue
    assert state.visit.due == TODAY + timedelta(days=visit)


@given(histories, st.integers(1, 200))
def test_the_overdue_period_starts_the_day_after_the_due_date(history, contact):
    state = state_for(history, None, contact).contact

    if state.overdue:
        assert state.overdue_since == state.due + timedelta(days=1) <= TODAY
        assert state.days_overdue(TODAY) >= 1
    else:
        assert state.overdue_since is None and state.due >= TODAY


@given(st.integers(1, 100), st.integers(0, 300))
def test_without_history_the_clock_runs_from_the_baseline(days, baseline_age):
    state = requirement_state(
        every_days=days, last_done=None, baseline=TODAY - timedelta(days=baseline_age), today=TODAY
    )

    assert state.overdue == (baseline_age > days)


@given(st.lists(st.tuples(histories, every, every), max_size=15))
def test_coverage_percent_is_the_share_of_ruled_accounts_not_overdue(accounts):
    states = [state_for(*account) for account in accounts]
    ruled = [s for s in states if s.has_rules]

    percent = coverage_percent(states)

    if not ruled:
        assert percent is None
    else:
        assert 0 <= percent <= 1
        assert percent * len(ruled) == pytest.approx(sum(not s.overdue for s in ruled))


# --- the same rules through the database


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.mark.django_db
def test_strategic_account_is_overdue_after_four_weeks_without_a_visit(alice):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
        ActivityFactory(account=account, starts_at=at(date(2026, 1, 1)))
        ActivityFactory(account=account, kind=ActivityKind.PHONE, starts_at=at(date(2026, 1, 25)))

    with time_machine.travel(at(date(2026, 1, 30)), tick=False):
        [entry] = coverage_for([account])

    assert entry.state.visit.overdue and entry.state.visit.overdue_since == date(2026, 1, 30)
    assert not entry.state.contact.overdue
    assert entry.last_visit == date(2026, 1, 1) and entry.last_contact == date(2026, 1, 25)


@pytest.mark.django_db
def test_planned_cancelled_and_notes_do_not_count_as_contact(alice):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.CANDIDATE)
    later = at(date(2026, 4, 10))
    ActivityFactory(account=account, status=ActivityStatus.PLANNED, starts_at=later)
    ActivityFactory(account=account, status=ActivityStatus.CANCELLED, starts_at=later)
    ActivityFactory(account=account, kind=ActivityKind.NOTE, starts_at=later)

    with time_machine.travel(at(date(2026, 4, 15)), tick=False):
        [entry] = coverage_for([account])

    assert entry.state.contact.overdue  # 91 days from the account's start


@pytest.mark.django_db
def test_an_account_override_replaces_the_company_rule(alice):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.NONE)
        account_cadence_set(account=account, visit_every_days=10, contact_every_days=None)

    with time_machine.travel(at(date(2026, 1, 20)), tick=False):
        overdue = overdue_accounts(user=alice)

    assert [entry.account for entry in overdue] == [account]
    assert overdue[0].state.contact is None


@pytest.mark.django_db
def test_leadership_can_change_the_company_rule(alice):
    CadenceRule.objects.filter(account_status=KeyAccountStatus.CANDIDATE).update(
        contact_every_days=None, visit_every_days=None
    )
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        AccountFactory(owner=alice, status=KeyAccountStatus.CANDIDATE)

    with time_machine.travel(at(date(2026, 12, 1)), tick=False):
        assert overdue_accounts(user=alice) == []


@pytest.mark.django_db
def test_without_stored_rules_the_default_cadence_applies(alice):
    CadenceRule.objects.all().delete()
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)

    with time_machine.travel(at(date(2026, 1, 30)), tick=False):
        [entry] = coverage_for([account])

    assert entry.state.visit.every_days == 28 and entry.state.visit.overdue


def test_an_a_customer_follows_the_stricter_of_its_status_and_abc_rules(alice):
    from datetime import date

    from kam.accounts.models import Account, KeyAccountStatus
    from kam.activities.coverage import accounts_under_rules, coverage_for
    from kam.analysis.tests.factories import make_run
    from kam.cockpit.tests.factories import make_result
    from kam.testing.factories import AccountFactory

    a_customer = AccountFactory(owner=alice, status=KeyAccountStatus.CANDIDATE)
    c_customer = AccountFactory(owner=alice, status=KeyAccountStatus.NONE)
    run = make_run(as_of=date(2026, 10, 31))
    for account, abc in ((a_customer, "A"), (c_customer, "C")):
        make_result(run, account, revenue=1000, abc_revenue=abc)
    rules = {
        "candidate": Cadence(contact_every_days=91),
        "none": Cadence(),
        "abc_A": Cadence(visit_every_days=91, contact_every_days=200),
        "abc_C": Cadence(),
    }

    ruled = accounts_under_rules(Account.objects.all(), rules)
    (entry,) = coverage_for([a_customer], rules=rules)

    assert list(ruled) == [a_customer]
    assert entry.state.visit.every_days == 91
    assert entry.state.contact.every_days == 91


@pytest.mark.django_db
def test_the_first_overdue_accounts_come_whole_in_the_same_order(alice, django_assert_num_queries):
    """The cockpit asks for the first few: assessed from a few columns, those shown read whole
    (their owner without another query)."""
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        accounts = [
            AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC, name=f"Kunde {i}")
            for i in range(5)
        ]
    with time_machine.travel(at(date(2026, 6, 1)), tick=False):
        every = overdue_accounts(user=alice)
        first = overdue_accounts(user=alice, limit=3)

    assert [entry.account for entry in every] == accounts
    assert [entry.account for entry in first] == accounts[:3]
    assert [entry.overdue_since for entry in first] == [e.overdue_since for e in every[:3]]
    with django_assert_num_queries(0):
        assert [entry.account.owner for entry in first] == [alice] * 3
        assert [entry.account.city for entry in first] == [a.city for a in accounts[:3]]
