"""Demo complaints for `kam demo`: two years, mostly at bigger accounts, with a recurring
process error (transport damage at several accounts in the last three months)."""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from kam.accounts.models import Account, KeyAccountStatus
from kam.complaints import sla
from kam.complaints.business_time import add_business_time
from kam.complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    EventKind,
    RootCause,
    Severity,
    Status,
)
from kam.complaints.services import COMPLAINT_NUMBERS
from kam.core import numbering

STATUS_WEIGHT: dict[str, float] = {
    KeyAccountStatus.STRATEGIC: 12,
    KeyAccountStatus.KEY_ACCOUNT: 6,
    KeyAccountStatus.CANDIDATE: 2,
    KeyAccountStatus.NONE: 0.3,
}
#: category code → (subjects, likely root causes)
STORIES = {
    "delivery_delay": (
        ["Lieferung zwei Wochen zu spät", "Liefertermin nicht gehalten"],
        ["order_entry", "supplier", "production"],
    ),
    "wrong_delivery": (["Falscher Artikel geliefert", "Menge falsch"], ["picking", "order_entry"]),
    "quality_defect": (
        ["Maßabweichung an Charge", "Oberfläche beschädigt", "Funktion fehlerhaft"],
        ["production", "supplier", "product_design", "transport"],
    ),
    "invoice_error": (
        ["Rechnung mit falschem Preis", "Rabatt nicht berücksichtigt"],
        ["invoicing", "order_entry"],
    ),
    "service": (["Rückruf nicht erfolgt", "Unfreundlicher Kontakt"], ["communication"]),
    "other": (["Verpackung unvollständig"], ["picking", "communication"]),
}
SEVERITIES = [Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
CHANNELS = ["email", "email", "phone", "portal", "visit"]


def _received(rng: random.Random, now: datetime, max_days: int) -> datetime:
    moment = now - timedelta(days=rng.uniform(0, max_days))
    moment = moment.replace(hour=rng.randint(7, 17), minute=rng.randint(0, 59), second=0)
    return min(moment, now - timedelta(minutes=5))


def _status_for_age(rng: random.Random, age_days: float) -> str:
    if age_days > 45:
        return Status.CLOSED if rng.random() < 0.95 else Status.RESOLVED
    return rng.choice(list(Status.values))


def _progress(complaint: Complaint, rng: random.Random, calendar, now: datetime) -> None:
    """Timestamps up to the complaint's status, mostly but not always within the SLA."""
    steps = list(Status.values)
    reached = steps.index(complaint.status)
    if reached >= 1:
        late = rng.random() < 0.15
        hours = complaint.acknowledge_hours * (rng.uniform(1.1, 3) if late else rng.uniform(0.2, 1))
        complaint.acknowledged_at = min(
            add_business_time(complaint.received_at, hours * 3600, calendar), now
        )
        complaint.hours_to_acknowledge = Decimal(str(round(hours, 2)))
    if reached >= 4:
        late = rng.random() < 0.2
        hours = complaint.resolve_hours * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.3, 1))
        complaint.resolved_at = min(
            add_business_time(complaint.received_at, hours * 3600, calendar), now
        )
        complaint.hours_to_resolve = Decimal(str(round(hours, 2)))
    if reached >= 5 and complaint.resolved_at is not None:
        closed = complaint.resolved_at + timedelta(days=rng.randint(1, 10))
        complaint.closed_at = closed if closed < now else now


def _build(rng, account, users, category, cause, received, now, calendar) -> Complaint:
    subjects, _causes = STORIES[category.code]
    severity = rng.choice(SEVERITIES)
    agreed = sla.sla_for(account=account, severity=severity)
    owner = rng.choice([users["service"], account.owner or users["service"]])
    complaint = Complaint(
        account=account,
        owner=owner,
        created_by=owner,
        subject=rng.choice(subjects),
        channel=rng.choice(CHANNELS),
        category=category,
        severity=severity,
        description=f"{rng.choice(subjects)}. Bitte um kurzfristige Klärung.",
        invoice_numbers=f"RE-{received:%Y}-{rng.randint(10000, 99999)}",
        product_numbers=f"A-{rng.randint(1000, 1099)}",
        affected_value=Decimal(rng.randint(50, 25000)),
        received_at=received,
        acknowledge_hours=agreed.acknowledge_hours,
        resolve_hours=agreed.resolve_hours,
        status=_status_for_age(rng, (now - received).days),
    )
    complaint.acknowledge_due = add_business_time(
        received, agreed.acknowledge_hours * 3600, calendar
    )
    complaint.resolve_due = add_business_time(received, agreed.resolve_hours * 3600, calendar)
    _progress(complaint, rng, calendar, now)
    if complaint.status in (Status.RESOLVED, Status.CLOSED) or rng.random() < 0.3:
        complaint.root_cause = cause
    if complaint.status in (Status.RESOLVED, Status.CLOSED):
        complaint.remedy_given = rng.choice(
            ["Ersatzlieferung", "Gutschrift erteilt", "Nachbesserung vor Ort"]
        )
        complaint.goodwill_amount = Decimal(rng.choice([0, 0, 50, 150, 500]))
        complaint.credit_note_reference = (
            f"GS-{rng.randint(1000, 9999)}" if rng.random() < 0.4 else ""
        )
        complaint.handling_hours = _handling_hours(account, received, severity)
    return complaint


#: The hours a handled complaint of each severity plausibly took (from, to).
HANDLING_HOURS: dict[str, tuple[float, float]] = {
    Severity.LOW: (0.5, 2),
    Severity.MEDIUM: (1, 4),
    Severity.HIGH: (2, 8),
    Severity.CRITICAL: (4, 16),
}


def _handling_hours(account: Account, received: datetime, severity: str) -> Decimal | None:
    """Hours booked on about two in three handled complaints (in quarter hours), the others
    left to the handling cost by severity. A generator of its own per complaint, so that the
    rest of the demo stays as it was for a seed."""
    rng = random.Random(f"{account.pk}/{received.isoformat()}")  # noqa: S311 (demo data)
    if rng.random() >= 2 / 3:
        return None
    low, high = HANDLING_HOURS[severity]
    return Decimal(round(rng.uniform(low, high) * 4)) / 4


def _number(complaints: list[Complaint]) -> None:
    per_year: dict[int, int] = defaultdict(int)
    for complaint in sorted(complaints, key=lambda c: c.received_at):
        year = timezone.localtime(complaint.received_at).year
        per_year[year] += 1
        complaint.number = f"REK-{year}-{per_year[year]:05d}"
    for year, last_number in per_year.items():
        numbering.counter_raise(COMPLAINT_NUMBERS, year=year, last_number=last_number)


def _events(complaints: list[Complaint]) -> list[ComplaintEvent]:
    events = []
    for c in complaints:
        events.append(
            ComplaintEvent(
                complaint=c,
                at=c.received_at,
                user=c.created_by,
                kind=EventKind.CREATED,
                to_status=Status.RECEIVED,
            )
        )
        for moment, before, after in (
            (c.acknowledged_at, Status.RECEIVED, Status.ACKNOWLEDGED),
            (c.resolved_at, Status.SOLUTION_PROPOSED, Status.RESOLVED),
            (c.closed_at, Status.RESOLVED, Status.CLOSED),
        ):
            if moment:
                events.append(
                    ComplaintEvent(
                        complaint=c,
                        at=moment,
                        user=c.owner,
                        kind=EventKind.TRANSITION,
                        from_status=before,
                        to_status=after,
                    )
                )
    return events


def populate(rng: random.Random, company) -> None:
    now = timezone.now()
    calendar = sla.working_calendar()
    users = company.users
    categories = {c.code: c for c in ComplaintCategory.objects.all()}
    causes = {c.code: c for c in RootCause.objects.all()}
    accounts: list[Account] = list(company.accounts)
    weights = [STATUS_WEIGHT.get(a.status, 0.3) for a in accounts]
    complaints = []
    for _ in range(min(320, 3 * len(accounts))):
        account = rng.choices(accounts, weights=weights)[0]
        code = rng.choice(list(STORIES))
        cause = causes[rng.choice(STORIES[code][1])]
        received = _received(rng, now, 730)
        complaints.append(
            _build(rng, account, users, categories[code], cause, received, now, calendar)
        )
    # The process error for the analysis to find: transport damage at several big accounts.
    big = [a for a in accounts if a.status != KeyAccountStatus.NONE] or accounts
    for account in rng.sample(big, k=min(6, len(big))):
        for _ in range(rng.randint(2, 3)):
            received = _received(rng, now, 85)
            complaint = _build(
                rng,
                account,
                users,
                categories["quality_defect"],
                causes["transport"],
                received,
                now,
                calendar,
            )
            complaint.subject, complaint.root_cause = (
                "Transportschaden an Palette",
                causes["transport"],
            )
            complaints.append(complaint)
    _number(complaints)
    Complaint.objects.bulk_create(complaints, batch_size=500)
    ComplaintEvent.objects.bulk_create(_events(complaints), batch_size=1000)
