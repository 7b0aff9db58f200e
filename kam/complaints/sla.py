"""Which SLA applies to a complaint, and its deadlines on the company's working calendar."""

import os
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings

from kam.accounts.models import Account
from kam.complaints.business_time import WorkingCalendar, business_seconds_between, deadline
from kam.complaints.models import Complaint, SlaOverride, SlaTemplate

#: Used when neither a template nor an override exists (e.g. a template row was deleted).
FALLBACK_HOURS = (8, 45)


def working_calendar() -> WorkingCalendar:
    """The company calendar; the federal state of the holidays comes from KAM_HOLIDAY_STATE."""
    state = getattr(settings, "KAM_HOLIDAY_STATE", None) or os.environ.get("KAM_HOLIDAY_STATE")
    return WorkingCalendar(
        timezone=settings.TIME_ZONE, opens=time(8), closes=time(17), state=state or "NW"
    )


@dataclass(frozen=True)
class Sla:
    acknowledge_hours: int
    resolve_hours: int
    agreed_with_customer: bool = False


def sla_for(*, account: Account, severity: str) -> Sla:
    override = SlaOverride.objects.filter(account=account, severity=severity).first()
    if override is not None:
        return Sla(override.acknowledge_hours, override.resolve_hours, agreed_with_customer=True)
    template = SlaTemplate.objects.filter(account_status=account.status, severity=severity).first()
    if template is not None:
        return Sla(template.acknowledge_hours, template.resolve_hours)
    return Sla(*FALLBACK_HOURS)


def pause_intervals(complaint: Complaint) -> list[tuple[datetime, datetime]]:
    return [(p.started_at, p.ended_at) for p in complaint.pauses.all()]


def set_deadlines(complaint: Complaint) -> None:
    """Computes both deadlines from the SLA hours, the received time and the recorded pauses."""
    calendar = working_calendar()
    pauses = pause_intervals(complaint) if complaint.pk else []
    complaint.acknowledge_due = deadline(
        complaint.received_at, complaint.acknowledge_hours, calendar, pauses
    )
    complaint.resolve_due = deadline(
        complaint.received_at, complaint.resolve_hours, calendar, pauses
    )


def business_hours_since_received(complaint: Complaint, until: datetime) -> float:
    """Working hours from receipt to `until`, without the time spent waiting for the customer."""
    calendar = working_calendar()
    total = business_seconds_between(complaint.received_at, until, calendar)
    for start, end in pause_intervals(complaint):
        total -= business_seconds_between(
            max(start, complaint.received_at), min(end, until), calendar
        )
    return max(0.0, total) / 3600
