"""Events: invitations through the gate, RSVP by signed link with seats and a waiting list,
reminders with .ics, attendance."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from kam.campaigns import events, outbox, tokens
from kam.campaigns.models import (
    Event,
    Invitation,
    MailKind,
    MailStatus,
    OutboxMail,
    Purpose,
    RsvpStatus,
)
from kam.campaigns.tests.factories import confirmed_consent, event, segment
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def guests(alice, n: int):
    account = AccountFactory(owner=alice)
    people = []
    for i in range(n):
        person = StakeholderFactory(account=account, email=f"gast{i}@example.com")
        confirmed_consent(person, Purpose.EVENTS)
        people.append(person)
    StakeholderFactory(account=account, email="ohne@example.com")  # no consent
    outbox.deliver(rate_per_second=0)
    mail.outbox.clear()
    return people


def attendee(ics: str) -> str:
    [entry] = Calendar.from_ical(ics).walk("VEVENT")
    return str(entry["ATTENDEE"])


def answer(client, invitation, accept: bool, companions: int = 0):
    url = reverse("campaigns:rsvp", kwargs={"token": tokens.rsvp_token(invitation.pk)})
    return client.post(url, {"answer": "yes" if accept else "no", "companions": companions})


def test_the_invitation_goes_only_to_those_the_gate_allows(alice):
    people = guests(alice, 2)
    party = event(alice, segment(alice))

    assert events.event_invite(event=party) == (2, 1)
    assert events.event_invite(event=party) == (0, 1)
    outbox.deliver(rate_per_second=0)

    assert sorted(m.to[0] for m in mail.outbox) == ["gast0@example.com", "gast1@example.com"]
    assert "/campaigns/rsvp/" in mail.outbox[0].body
    assert "Sommerfest <2027>" in mail.outbox[0].subject
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(Invitation.objects.values_list("stakeholder_id", flat=True)) == {
        p.pk for p in people
    }


def test_seats_companions_and_the_waiting_list(client, alice):
    a, b, c = guests(alice, 3)
    party = event(alice, segment(alice), capacity=3)
    events.event_invite(event=party)
    inv = {i.stakeholder_id: i for i in Invitation.objects.all()}

    assert answer(client, inv[a.pk], True, companions=1).status_code == 200
    answer(client, inv[b.pk], True, companions=1)  # needs 2 seats, 1 left: waiting
    answer(client, inv[c.pk], True)  # 1 seat: fits
    states = dict(Invitation.objects.values_list("stakeholder_id", "status"))
    assert states == {a.pk: "accepted", b.pk: "waiting", c.pk: "accepted"}

    answer(client, inv[a.pk], False)  # frees 2 seats: b moves up

    states = dict(Invitation.objects.values_list("stakeholder_id", "status"))
    assert states == {a.pk: "declined", b.pk: "accepted", c.pk: "accepted"}
    assert events.event_figures(party)["seats_taken"] == 3
    notices = OutboxMail.objects.filter(kind=MailKind.EVENT_NOTICE, stakeholder=b)
    assert notices.count() == 1
    assert attendee(notices.get().ics) == f"mailto:{b.email}"


def test_more_companions_than_seats_keeps_the_seat_already_given(client, alice):
    a, _b = guests(alice, 2)
    party = event(alice, segment(alice), capacity=2)
    events.event_invite(event=party)
    invitation = Invitation.objects.get(stakeholder=a)
    answer(client, invitation, True)

    response = answer(client, invitation, True, companions=3)

    assert response.status_code == 400
    invitation.refresh_from_db()
    assert (invitation.status, invitation.companions) == (RsvpStatus.ACCEPTED, 0)


def test_companions_are_bounded(client, alice):
    [a] = guests(alice, 1)
    party = event(alice, segment(alice))
    events.event_invite(event=party)

    response = answer(client, Invitation.objects.get(stakeholder=a), True, companions=99)

    assert response.status_code == 400
    assert Invitation.objects.get().status == RsvpStatus.INVITED


def test_forged_and_expired_rsvp_links_are_refused(client, alice):
    [a] = guests(alice, 1)
    party = event(alice, segment(alice))
    events.event_invite(event=party)
    invitation = Invitation.objects.get()
    token = tokens.rsvp_token(invitation.pk)
    doi_like = tokens.doi_token(invitation.pk)

    for bad in (token[:-2] + "xx", doi_like, "0"):
        assert client.get(reverse("campaigns:rsvp", kwargs={"token": bad})).status_code == 400
    with time_machine.travel(party.ends_at + timedelta(minutes=1)):
        after = client.post(reverse("campaigns:rsvp", kwargs={"token": token}), {"answer": "yes"})
    assert after.status_code == 400
    assert Invitation.objects.get().status == RsvpStatus.INVITED


def test_a_reminder_with_the_calendar_entry_goes_out_once(client, alice):
    [a] = guests(alice, 1)
    party = event(alice, segment(alice))
    events.event_invite(event=party)
    answer(client, Invitation.objects.get(), True)
    outbox.deliver(rate_per_second=0)
    mail.outbox.clear()

    assert events.reminders_send() == 0  # ten days before
    with time_machine.travel(party.starts_at - timedelta(days=1)):
        assert events.reminders_send() == 1
        assert events.reminders_send() == 0
        outbox.deliver(rate_per_second=0)

    [reminder] = mail.outbox
    assert reminder.subject.startswith("Erinnerung")
    name, content, mimetype = reminder.attachments[0]
    assert (name, mimetype) == ("einladung.ics", "text/calendar")
    assert attendee(content) == "mailto:gast0@example.com"


def test_attendance_is_recorded_on_the_check_in_list(client, alice):
    a, b = guests(alice, 2)
    party = event(alice, segment(alice))
    events.event_invite(event=party)
    for invitation in Invitation.objects.all():
        answer(client, invitation, True)
    client.force_login(alice)
    came = Invitation.objects.get(stakeholder=a)

    page = client.get(reverse("campaigns:event_checkin", kwargs={"pk": party.pk}))
    client.post(
        reverse("campaigns:event_checkin", kwargs={"pk": party.pk}), {"attended": [came.pk]}
    )

    assert page.status_code == 200
    assert dict(Invitation.objects.values_list("stakeholder_id", "attended")) == {
        a.pk: True,
        b.pk: False,
    }


def test_an_invitation_withdrawn_before_sending_is_not_sent(client, alice):
    [a] = guests(alice, 1)
    events.event_invite(event=event(alice, segment(alice)))
    row = OutboxMail.objects.get(kind=MailKind.INVITATION)

    client.post(row.unsubscribe_url.removeprefix("http://localhost:8000"))
    outbox.deliver(rate_per_second=0)

    row.refresh_from_db()
    assert (row.status, row.reason) == (MailStatus.REFUSED, "withdrawn")
    assert mail.outbox == []


def test_names_in_the_event_pages_are_escaped(client, alice):
    party = event(alice, segment(alice), title="<script>x()</script>")
    client.force_login(alice)

    page = client.get(reverse("campaigns:event_detail", kwargs={"pk": party.pk}))

    assert b"<script>x()" not in page.content
    assert timezone.now() < party.starts_at


def _attended(client, alice, n: int):
    people = guests(alice, n)
    party = event(alice, segment(alice), title="Sommerfest {2027}")
    events.event_invite(event=party)
    for invitation in Invitation.objects.all():
        answer(client, invitation, True)
    return people, party


def test_the_follow_up_mailing_goes_to_the_attendees_through_the_gate(client, alice):
    from kam.campaigns import mailings

    (came, absent, withdrawn), party = _attended(client, alice, 3)
    ids = Invitation.objects.filter(stakeholder__in=[came, withdrawn]).values_list("pk", flat=True)
    events.attendance_record(event=party, attended_ids=set(ids))
    token = tokens.unsubscribe_token(stakeholder_id=withdrawn.pk, purpose=Purpose.EVENTS)
    client.post(reverse("campaigns:unsubscribe", kwargs={"token": token}))
    client.force_login(alice)
    OutboxMail.objects.all().delete()

    page = client.post(reverse("campaigns:event_follow_up", kwargs={"pk": party.pk}))
    follow_up = party.created_by.mailings.get()
    mailings.mailing_queue(mailing=follow_up, occurrence="once")

    assert page.url == reverse("campaigns:mailing_update", kwargs={"pk": follow_up.pk})
    assert "Sommerfest (2027)" in follow_up.subject
    rows = dict(OutboxMail.objects.values_list("stakeholder_id", "status"))
    assert rows == {came.pk: MailStatus.QUEUED, withdrawn.pk: MailStatus.REFUSED}


def test_the_event_page_offers_the_follow_up_only_after_attendance(client, alice):
    (came, _other), party = _attended(client, alice, 2)
    client.force_login(alice)
    url = reverse("campaigns:event_detail", kwargs={"pk": party.pk})
    before = client.get(url)
    refused = client.post(reverse("campaigns:event_follow_up", kwargs={"pk": party.pk}))

    events.attendance_record(
        event=party, attended_ids={Invitation.objects.get(stakeholder=came).pk}
    )

    assert b'data-testid="follow-up"' not in before.content
    assert b'data-testid="follow-up"' in client.get(url).content
    assert refused.status_code == 302 and not party.created_by.mailings.exists()


def test_an_attendee_segment_keeps_its_event_when_edited(alice):
    from kam.campaigns.segments import segment_save

    seg = segment_save(segment=None, name="Teilnehmer", filters={"attended_event": 7}, user=alice)

    seg = segment_save(
        segment=seg, name="Teilnehmer", filters={"status": ["key_account"]}, user=alice
    )

    assert seg.filters["attended_event"] == 7


def test_the_account_page_shows_the_contacts_event_attendance(client, alice):
    from kam.campaigns.selectors import account_attendance

    (came, absent, silent), party = _attended(client, alice, 3)
    Invitation.objects.filter(stakeholder=silent).update(status=RsvpStatus.DECLINED)
    events.attendance_record(
        event=party, attended_ids={Invitation.objects.get(stakeholder=came).pk}
    )
    held = timezone.now() - timedelta(days=30)
    Event.objects.filter(pk=party.pk).update(starts_at=held, ends_at=held + timedelta(hours=3))
    client.force_login(alice)
    url = reverse("accounts:detail", kwargs={"pk": came.account_id})

    attendance = account_attendance(came.account)
    page = client.get(url).content.decode()

    assert (attendance.invited, attendance.accepted, attendance.attended) == (3, 2, 1)
    assert attendance.people_attended == 1
    assert (
        "Veranstaltungen der letzten 12 Monate: 3 Einladungen, 2 zugesagt, 1 teilgenommen" in page
    )


def test_the_events_tab_costs_one_query(client, alice, django_assert_num_queries):
    from kam.campaigns.panels import _events_panel

    (came, _other), _party = _attended(client, alice, 2)

    with django_assert_num_queries(1):
        _events_panel(came.account)
