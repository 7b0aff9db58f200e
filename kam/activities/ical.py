"""The iCalendar (RFC 5545) feed of a user's planned activities, for Outlook or Google Calendar."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from kam.activities.models import Activity


def _utc(value: datetime) -> datetime:
    # UTC times need no VTIMEZONE block, which every calendar client reads the same way.
    return value.astimezone(UTC)


def _event(activity: Activity, now: datetime) -> Event:
    account = activity.account
    event = Event()
    event.add("uid", f"activity-{activity.pk}@kam")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(activity.starts_at))
    event.add("dtend", _utc(activity.starts_at + timedelta(minutes=activity.duration_minutes)))
    event.add("summary", f"{activity.get_kind_display()}: {activity.subject} – {account.name}")
    location = activity.location or ", ".join(
        part for part in (account.street, f"{account.postal_code} {account.city}".strip()) if part
    )
    if location:
        event.add("location", location)
    event.add(
        "description", f"{account.customer_number} {account.name}\n{activity.outcome}".strip()
    )
    event.add("last-modified", _utc(activity.updated_at))
    return event


def activities_calendar(activities: Iterable[Activity], *, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//kam//Kundenkontakte//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("kam appointments"))
    for activity in activities:
        calendar.add_component(_event(activity, now))
    return calendar.to_ical()
