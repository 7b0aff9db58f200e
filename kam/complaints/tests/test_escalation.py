"""SLA warnings and escalations: sent at the right time, to the right people, once."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from kam.accounts.models import KeyAccountStatus
from kam.complaints import escalation, services
from kam.complaints.models import ComplaintNotification, Severity, Status
from kam.complaints.tasks import escalate_complaints
from kam.complaints.tests.factories import make_complaint
from kam.testing.factories import AccountFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def complaint(alice, sam):
    account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
    with time_machine.travel(MONDAY_9, tick=False):
        # strategic + critical: acknowledge within 2 business hours
        return make_complaint(account, sam, severity=Severity.CRITICAL)


def run_at(year: int, month: int, day: int, hour: int, minute: int) -> int:
    moment = datetime(year, month, day, hour, minute, tzinfo=BERLIN)
    with time_machine.travel(moment, tick=False):
        return escalation.escalate(moment)


def test_nothing_is_sent_before_three_quarters_of_the_time(complaint):
    assert run_at(2026, 3, 9, 10, 0) == 0
    assert mail.outbox == []


def test_the_warning_goes_to_the_owner_once(complaint, sam):
    first = run_at(2026, 3, 9, 10, 40)
    second = run_at(2026, 3, 9, 10, 50)

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [sam.email]
    assert "SLA-Warnung" in mail.outbox[0].subject


def test_a_breach_goes_to_the_key_account_manager_and_later_to_leadership(
    complaint, alice, sam, leader
):
    run_at(2026, 3, 9, 11, 5)
    run_at(2026, 3, 9, 12, 5)

    breach, escalated = mail.outbox
    assert set(breach.to) == {alice.email, sam.email} and "verletzt" in breach.subject
    assert leader.email in escalated.to and "Vertriebsleitung" in escalated.subject


def test_running_twice_sends_each_mail_once(complaint):
    with time_machine.travel(datetime(2026, 3, 9, 11, 5, tzinfo=BERLIN), tick=False):
        escalate_complaints.enqueue()  # the test backend runs tasks immediately
        call_command("complaints-escalate", stdout=io.StringIO())
        call_command("complaints-escalate", stdout=io.StringIO())

    assert len(mail.outbox) == 1
    # The warning, overtaken by the breach, is recorded so it never arrives late.
    assert ComplaintNotification.objects.filter(key__contains=":acknowledge:").count() == 2


def test_the_clock_stands_still_while_waiting_for_the_customer(complaint):
    with time_machine.travel(datetime(2026, 3, 9, 9, 30, tzinfo=BERLIN), tick=False):
        services.complaint_pause(complaint=complaint, user=None)

    assert run_at(2026, 3, 10, 16, 0) == 0


def test_acknowledged_complaints_get_no_acknowledgement_warning(complaint):
    with time_machine.travel(datetime(2026, 3, 9, 9, 30, tzinfo=BERLIN), tick=False):
        services.complaint_transition(complaint=complaint, to_status=Status.ACKNOWLEDGED, user=None)

    assert run_at(2026, 3, 9, 12, 0) == 0
