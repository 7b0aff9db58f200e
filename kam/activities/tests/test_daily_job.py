"""The daily job: overdue notices once per overdue period, next-step reminders once."""

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from kam.accounts.models import KeyAccountStatus
from kam.activities.jobs import next_step_reminders_send, overdue_notices_send
from kam.activities.models import OverdueNotice
from kam.activities.tasks import activities_daily
from kam.activities.tests.factories import ActivityFactory
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, tzinfo=UTC)


@pytest.fixture
def key_account(alice):
    """A key account: a visit per quarter, a contact per month; last contact on 1 January."""
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
        ActivityFactory(account=account, starts_at=at(date(2026, 1, 1)))
    return account


def run_daily(day: date) -> None:
    with time_machine.travel(at(day), tick=False):
        activities_daily.enqueue()  # the test backend runs tasks immediately


def test_the_owner_is_notified_once_per_overdue_period(key_account, alice):
    for day in (date(2026, 2, 1), date(2026, 2, 2), date(2026, 2, 3), date(2026, 2, 20)):
        run_daily(day)

    notices = OverdueNotice.objects.filter(account=key_account)
    assert list(notices.values_list("requirement", "period_start")) == [
        ("contact", date(2026, 2, 1))
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert key_account.name in mail.outbox[0].subject and "überfällig" in mail.outbox[0].body


def test_a_new_overdue_period_after_a_contact_is_notified_again(key_account):
    run_daily(date(2026, 2, 1))
    ActivityFactory(account=key_account, starts_at=at(date(2026, 2, 5)))
    run_daily(date(2026, 2, 10))  # contact fresh again: nothing to say
    run_daily(date(2026, 3, 8))  # due 7 March, overdue from 8 March

    periods = OverdueNotice.objects.filter(requirement="contact").order_by("period_start")
    assert list(periods.values_list("period_start", flat=True)) == [
        date(2026, 2, 1),
        date(2026, 3, 8),
    ]
    assert len(mail.outbox) == 2


def test_visit_and_contact_are_separate_periods(key_account):
    with time_machine.travel(at(date(2026, 4, 5)), tick=False):
        sent = overdue_notices_send()

    assert sent == 2
    assert set(OverdueNotice.objects.values_list("requirement", flat=True)) == {"visit", "contact"}


def test_an_account_without_owner_is_recorded_but_mails_nobody(key_account):
    key_account.owner = None
    key_account.save()

    with time_machine.travel(at(date(2026, 2, 1)), tick=False):
        assert overdue_notices_send() == 1
    assert mail.outbox == []


def test_next_steps_are_reminded_once_when_due(alice):
    account = AccountFactory(owner=alice)
    ActivityFactory(account=account, next_step="Angebot schicken", next_step_due=date(2026, 3, 2))
    ActivityFactory(account=account, next_step="Muster", next_step_due=date(2026, 3, 20))

    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        first, again = next_step_reminders_send(), next_step_reminders_send()

    assert (first, again) == (1, 0)
    assert len(mail.outbox) == 1 and "Angebot schicken" in mail.outbox[0].body


def test_the_command_runs_the_job_and_reports(key_account):
    out = io.StringIO()
    with time_machine.travel(at(date(2026, 2, 1)), tick=False):
        call_command("activities-daily", stdout=out)

    assert "Überfällig-Meldungen: 1" in out.getvalue()
