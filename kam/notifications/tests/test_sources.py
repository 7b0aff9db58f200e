"""The jobs that remind and escalate put their news into the recipients' inboxes, once."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kam.accounts.models import KeyAccountStatus
from kam.activities.jobs import next_step_reminders_send, overdue_notices_send
from kam.activities.tests.factories import ActivityFactory
from kam.analysis.services import proposals_notify
from kam.analysis.tests.factories import make_proposal, make_run
from kam.complaints import escalation
from kam.complaints.models import Severity
from kam.complaints.tests.factories import make_complaint
from kam.notifications.models import Notification
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, tzinfo=UTC)


def test_an_overdue_contact_reaches_the_owners_inbox_once(alice):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        account = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
        ActivityFactory(account=account, starts_at=at(date(2026, 1, 1)))

    for day in (date(2026, 2, 1), date(2026, 2, 2)):
        with time_machine.travel(at(day), tick=False):
            overdue_notices_send()

    notification = Notification.objects.get(recipient=alice)
    assert notification.kind == "overdue_contact"
    assert account.name in notification.title and "überfällig" in notification.title
    assert notification.url == f"/accounts/{account.pk}/"


def test_a_due_next_step_reaches_the_owners_inbox_once(alice):
    account = AccountFactory(owner=alice)
    activity = ActivityFactory(
        account=account, next_step="Angebot schicken", next_step_due=date(2026, 3, 2)
    )

    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        next_step_reminders_send()
        next_step_reminders_send()

    notification = Notification.objects.get(recipient=alice)
    assert notification.kind == "next_step" and "Angebot schicken" in notification.title
    assert notification.url == f"/activities/{activity.pk}/"


def test_an_sla_breach_reaches_owner_and_key_account_manager_even_without_mail(alice, sam):
    sam.email = ""
    sam.save()
    account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
    with time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN), tick=False):
        complaint = make_complaint(account, sam, severity=Severity.CRITICAL)

    for minute in (5, 10):
        moment = datetime(2026, 3, 9, 11, minute, tzinfo=BERLIN)
        with time_machine.travel(moment, tick=False):
            escalation.escalate(moment)

    notifications = Notification.objects.filter(kind="escalation")
    assert sorted(n.recipient.username for n in notifications) == ["alice", "sam"]
    assert all(complaint.number in n.title for n in notifications)
    assert {n.url for n in notifications} == {f"/complaints/{complaint.pk}/"}
    assert not Notification.objects.filter(kind="sla_warning").exists()  # overtaken


def test_new_status_proposals_notify_each_owner_once_per_run(alice, carol):
    run = make_run()
    for owner in (alice, alice, carol):
        make_proposal(AccountFactory(owner=owner), run)

    proposals_notify(run=run)
    proposals_notify(run=run)

    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {
        "alice": "2 neue Statusvorschläge zu bestätigen",
        "carol": "1 neuer Statusvorschlag zu bestätigen",
    }
