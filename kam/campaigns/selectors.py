"""Reads of the campaigns domain, always through accounts_visible_to(user)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kam.accounts.models import Account, Stakeholder
from kam.accounts.selectors import stakeholders_visible_to
from kam.campaigns.gate import Decision, bouncing_ids, current_records, decide
from kam.campaigns.models import (
    Channel,
    ConsentRecord,
    ConsentWording,
    Invitation,
    Purpose,
    RsvpStatus,
)
from kam.users.models import User


def stakeholder_get(*, user: User, pk: int) -> Stakeholder:
    return get_object_or_404(stakeholders_visible_to(user).select_related("account"), pk=pk)


def consent_history(stakeholder: Stakeholder) -> QuerySet[ConsentRecord]:
    """Every record, oldest first: the proof reads like a log."""
    return (
        ConsentRecord.objects.filter(stakeholder=stakeholder)
        .select_related("wording", "recorded_by", "confirms")
        .order_by("recorded_at", "id")
    )


def consent_overview(stakeholder: Stakeholder) -> list[tuple[str, ConsentRecord | None, Decision]]:
    """Per purpose: the current e-mail consent and what the send gate says about it."""
    rows = []
    bouncing = bool(bouncing_ids([stakeholder]))
    for purpose, label in Purpose.choices:
        record = current_records([stakeholder.pk], purpose=purpose, channel=Channel.EMAIL).get(
            stakeholder.pk
        )
        decision = decide(stakeholder, record, purpose, bouncing=bouncing)
        rows.append((str(label), record, decision))
    return rows


def wordings() -> QuerySet[ConsentWording]:
    return ConsentWording.objects.order_by("purpose", "-version")


#: The window of the account's event attendance shown as relationship strength.
ATTENDANCE_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class Attendance:
    """The account's contact persons at events that took place in the window."""

    invited: int
    accepted: int
    attended: int
    people_attended: int
    invitations: list[Invitation]


def account_attendance(account: Account, *, now=None) -> Attendance:
    """Invitations of the account's contact persons to events of the last 12 months (and
    coming ones), newest first; the counts are of events already held."""
    now = now or timezone.now()
    rows = list(
        Invitation.objects.filter(
            stakeholder__account=account, event__starts_at__gte=now - ATTENDANCE_WINDOW
        )
        .select_related("event", "stakeholder")
        .order_by("-event__starts_at", "stakeholder__last_name", "id")
    )
    held = [row for row in rows if row.event.ends_at <= now]
    came = [row for row in held if row.attended]
    return Attendance(
        invited=len(held),
        accepted=sum(1 for row in held if row.status == RsvpStatus.ACCEPTED),
        attended=len(came),
        people_attended=len({row.stakeholder_id for row in came}),
        invitations=rows[:20],
    )


def attendance_by_account(*, since: date, until: date) -> dict[int, int]:
    """Attendances of each account's contact persons at events held after `since` up to
    `until` (one per person and event)."""
    rows = (
        Invitation.objects.filter(
            attended=True, event__starts_at__date__gt=since, event__starts_at__date__lte=until
        )
        .values("stakeholder__account_id")
        .annotate(attended=Count("id"))
        .values_list("stakeholder__account_id", "attended")
    )
    return dict(rows)
