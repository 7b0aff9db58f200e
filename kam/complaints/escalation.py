"""Warnings before an SLA deadline and escalations after it, each sent once."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kam.complaints import sla
from kam.complaints.models import OPEN_STATUSES, Complaint, ComplaintNotification
from kam.core.permissions import users_receiving_leadership_escalations
from kam.notifications.services import notify_in_inbox
from kam.users.models import User

#: Share of the SLA time after which a level is reached: a warning at 75 %, the key account
#: manager at the deadline, leadership when half the SLA time again has passed.
LEVELS = (("warning", 0.75), ("breach", 1.0), ("leadership", 1.5))


@dataclass(frozen=True)
class Due:
    complaint: Complaint
    clock: str  # acknowledge | resolve
    level: str

    @property
    def key(self) -> str:
        return f"{self.complaint.pk}:{self.clock}:{self.level}"


def _reached_level(share: float) -> int:
    """Index of the highest level reached, -1 for none."""
    return max((i for i, (_name, limit) in enumerate(LEVELS) if share >= limit), default=-1)


def due_notifications(complaint: Complaint, now: datetime) -> list[Due]:
    """The levels reached per clock; lower levels overtaken by a higher one are included too,
    so they are recorded as done and never arrive late."""
    if complaint.is_waiting or complaint.status not in OPEN_STATUSES:
        return []
    elapsed = sla.business_hours_since_received(complaint, now)
    clocks = [("resolve", complaint.resolve_hours)]
    if complaint.acknowledged_at is None:
        clocks.insert(0, ("acknowledge", complaint.acknowledge_hours))
    due = []
    for clock, hours in clocks:
        reached = _reached_level(elapsed / max(hours, 1))
        due += [Due(complaint, clock, LEVELS[i][0]) for i in range(reached + 1)]
    return due


def recipient_users(complaint: Complaint, level: str) -> list[User]:
    """Who hears of this level: the complaint's owner, from a breach on the account's owner,
    at the leadership level sales leadership; active people, once each (the inbox reaches
    everyone, the mail those with an address)."""
    people: list[User | None] = [complaint.owner]
    if level in ("breach", "leadership"):
        people.append(complaint.account.owner)
    if level == "leadership":
        people += list(users_receiving_leadership_escalations())
    unique = {person.pk: person for person in people if person is not None and person.is_active}
    return list(unique.values())


def recipients(complaint: Complaint, level: str) -> list[str]:
    return sorted({person.email for person in recipient_users(complaint, level) if person.email})


def _send(due: Due, notify: bool, now: datetime) -> bool:
    """Records the notification under its unique key and mails it; False if it went out before."""
    people = recipient_users(due.complaint, due.level) if notify else []
    by_address = {person.email: person for person in people if person.email}
    addresses = sorted(by_address)
    try:
        with transaction.atomic():
            ComplaintNotification.objects.create(
                key=due.key,
                complaint=due.complaint,
                level=due.level,
                recipients=", ".join(addresses),
                sent_at=now,
            )
            for person in people:
                _to_inbox(due, person)
            if addresses:
                _mail(due, [by_address[address] for address in addresses])
    except IntegrityError:
        return False
    return bool(addresses)


def _subject(due: Due) -> str:
    subjects = {
        "warning": _("SLA warning: %(number)s is due soon"),
        "breach": _("SLA breached: %(number)s"),
        "leadership": _("Escalation to leadership: %(number)s is far overdue"),
    }
    return subjects[due.level] % {"number": due.complaint.number}


def _to_inbox(due: Due, person: User) -> None:
    """The warning or escalation in the person's notification inbox (the mail goes out below)."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        title = f"{_subject(due)} ({due.complaint.account.name})"
    notify_in_inbox(
        recipient=person,
        kind="sla_warning" if due.level == "warning" else "escalation",
        title=title,
        url=reverse("complaints:detail", kwargs={"pk": due.complaint.pk}),
        key=f"complaint:{due.key}",
    )


def _mail(due: Due, people: list[User]) -> None:
    """One mail per language: each recipient reads it in the language of their settings."""
    languages: dict[str, list[str]] = {}
    for person in people:
        languages.setdefault(person.language or settings.LANGUAGE_CODE, []).append(person.email)
    for language, addresses in sorted(languages.items()):
        with translation.override(language):
            subject = _subject(due)
            body = render_to_string(
                "complaints/email/escalation.txt", {"complaint": due.complaint, "due": due}
            )
        send_mail(subject, body, None, addresses)


def escalate(now: datetime) -> int:
    """Sends every warning and escalation that is due and not sent yet; returns mails sent."""
    sent = 0
    already = set(
        ComplaintNotification.objects.filter(complaint__status__in=OPEN_STATUSES).values_list(
            "key", flat=True
        )
    )
    complaints = (
        Complaint.objects.filter(status__in=OPEN_STATUSES, paused_since__isnull=True)
        .select_related("owner", "account__owner")
        .prefetch_related("pauses")
    )
    for complaint in complaints.iterator(chunk_size=500):
        levels = [due for due in due_notifications(complaint, now) if due.key not in already]
        highest = {due.clock: due.level for due in levels}
        for due in levels:
            sent += _send(due, notify=highest[due.clock] == due.level, now=now)
    return sent
