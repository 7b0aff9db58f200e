"""The calendar feed: RFC 5545, parsed back; secret, revocable URL without login."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from kam.activities import services
from kam.activities.models import ActivityStatus, CalendarFeed
from kam.activities.tests.factories import ActivityFactory
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


def feed_url(token: str) -> str:
    return reverse("activities:feed", kwargs={"token": token})


def test_the_feed_lists_the_users_planned_visits_as_valid_icalendar(client, alice, carol):
    account = AccountFactory(owner=alice, name="Bergmann Maschinenbau", city="Ulm")
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    visit = ActivityFactory(
        account=account, status=ActivityStatus.PLANNED, starts_at=start, subject="Jahresgespräch"
    )
    ActivityFactory(account=account, status=ActivityStatus.DONE)  # not an appointment
    ActivityFactory(account=AccountFactory(owner=carol), status=ActivityStatus.PLANNED)
    token = services.calendar_feed_renew(user=alice)

    response = client.get(feed_url(token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"activity-{visit.pk}@kam"
    assert "Jahresgespräch" in str(event["SUMMARY"]) and "Bergmann" in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == start.astimezone(UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert "DTSTAMP" in event and "Ulm" in str(event["LOCATION"])
    assert b"\r\n" in response.content  # RFC 5545 lines end with CRLF


def test_appointments_where_the_user_participates_are_included(client, alice, bob):
    account = AccountFactory(owner=alice)
    TeamMembershipFactory(account=account, user=bob)
    hidden = AccountFactory(owner=alice)  # bob is not on this account's team
    visits = [
        ActivityFactory(
            account=on, status=ActivityStatus.PLANNED, starts_at=timezone.now() + timedelta(1)
        )
        for on in (account, hidden)
    ]
    for visit in visits:
        visit.participants.add(bob)
    token = services.calendar_feed_renew(user=bob)

    calendar = Calendar.from_ical(client.get(feed_url(token)).content)

    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [f"activity-{visits[0].pk}@kam"]


def test_a_new_link_revokes_the_old_one(client, alice):
    old = services.calendar_feed_renew(user=alice)
    new = services.calendar_feed_renew(user=alice)

    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_a_revoked_or_guessed_token_is_not_found(client, alice):
    token = services.calendar_feed_renew(user=alice)
    services.calendar_feed_revoke(user=alice)

    assert client.get(feed_url(token)).status_code == 404
    assert client.get(feed_url("guessed-token")).status_code == 404


def test_only_the_hash_of_the_token_is_stored(alice):
    token = services.calendar_feed_renew(user=alice)

    stored = CalendarFeed.objects.get(user=alice).token_hash
    assert token not in stored and len(stored) == 64


def test_a_deactivated_user_has_no_feed(client, alice):
    token = services.calendar_feed_renew(user=alice)
    alice.is_active = False
    alice.save()

    assert client.get(feed_url(token)).status_code == 404


def test_the_settings_page_shows_a_new_link_once(client, alice):
    client.force_login(alice)

    shown = client.post(reverse("activities:feed_settings"), {"action": "renew"})
    later = client.get(reverse("activities:feed_settings"))

    assert "/activities/feed/" in shown.content.decode()
    assert "/activities/feed/" not in later.content.decode()
