"""Events: invitations to a segment (through the send gate), RSVP by a signed link with seats,
companions and a waiting list, reminders with an .ics attachment, attendance afterwards."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from kam.campaigns import outbox, tokens
from kam.campaigns.gate import gate_many
from kam.campaigns.mailings import unsubscribe_url
from kam.campaigns.models import Event, Invitation, Mailing, MailKind, Purpose, RsvpStatus
from kam.campaigns.segments import segment_stakeholders
from kam.users.models import User

MAX_COMPANIONS = 5
REMIND_BEFORE = timedelta(days=2)


def rsvp_url(invitation: Invitation) -> str:
    token = tokens.rsvp_token(invitation.pk)
    return tokens.site_url(reverse("campaigns:rsvp", kwargs={"token": token}))


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of a valid link; None when it was changed or the event is over."""
    invitation_id = tokens.rsvp_invitation_id(token)
    if invitation_id is None:
        return None
    invitation = (
        Invitation.objects.select_related("event", "stakeholder", "stakeholder__account")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.event.ends_at <= timezone.now():
        return None
    return invitation


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def ics_for(invitation: Invitation) -> str:
    event = invitation.event
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.pk}-{invitation.pk}@kam")
    entry.add("dtstamp", _utc(timezone.now()))
    entry.add("dtstart", _utc(event.starts_at))
    entry.add("dtend", _utc(event.ends_at))
    entry.add("summary", event.title)
    entry.add("description", event.description)
    if event.place or event.online_url:
        entry.add("location", event.place or event.online_url)
    attendee = vCalAddress(f"mailto:{invitation.stakeholder.email}")
    attendee.params["cn"] = vText(str(invitation.stakeholder))
    attendee.params["partstat"] = vText("ACCEPTED")
    entry.add("attendee", attendee, encode=False)
    calendar = Calendar()
    calendar.add("prodid", "-//kam//Veranstaltungen//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical().decode()


def _mail(invitation: Invitation, kind: str, template: str, subject: str, **extra) -> None:
    person = invitation.stakeholder
    context = {"invitation": invitation, "event": invitation.event, "person": person, **extra}
    outbox.mail_enqueue(
        kind=kind,
        to_email=person.email,
        subject=subject,
        body_text=render_to_string(template, context),
        stakeholder=person,
        account=person.account,
        purpose=Purpose.EVENTS if kind == MailKind.INVITATION else "",
        unsubscribe_url=extra.get("unsubscribe", ""),
        created_by=invitation.event.created_by,
        ics=ics_for(invitation) if kind == MailKind.EVENT_NOTICE else "",
    )


@transaction.atomic
def event_invite(*, event: Event) -> tuple[int, int]:
    """Invites the segment's contact persons the gate allows (for event invitations); a second
    call invites only those not invited yet. Returns (invited now, refused by the gate)."""
    people = list(segment_stakeholders(segment=event.segment, user=event.created_by))
    decisions = gate_many(stakeholders=people, purpose=Purpose.EVENTS)
    invited = set(event.invitations.values_list("stakeholder_id", flat=True))
    allowed = [p for p in people if decisions[p.pk].allowed and p.pk not in invited]
    for person in allowed:
        invitation = Invitation.objects.create(event=event, stakeholder=person)
        _mail(
            invitation,
            MailKind.INVITATION,
            "campaigns/email/invitation.txt",
            _("Invitation: %(title)s") % {"title": event.title},
            url=rsvp_url(invitation),
            unsubscribe=unsubscribe_url(person, Purpose.EVENTS),
        )
    outbox_soon()
    return len(allowed), sum(1 for p in people if not decisions[p.pk].allowed)


def outbox_soon() -> None:
    from kam.campaigns.tasks import deliver_outbox

    transaction.on_commit(lambda: deliver_outbox.enqueue())


def _seats_taken(event: Event, *, besides: Invitation) -> int:
    accepted = event.invitations.filter(status=RsvpStatus.ACCEPTED).exclude(pk=besides.pk)
    return accepted.aggregate(seats=Sum(F("companions") + 1))["seats"] or 0


def _confirm(invitation: Invitation) -> None:
    _mail(
        invitation,
        MailKind.EVENT_NOTICE,
        "campaigns/email/confirmation.txt",
        _("Your registration: %(title)s") % {"title": invitation.event.title},
        url=rsvp_url(invitation),
    )


@transaction.atomic
def rsvp_answer(*, invitation: Invitation, accept: bool, companions: int = 0) -> Invitation:
    """Accept (a seat for the person and each companion, or the waiting list) or decline; the
    event row is locked, so two answers at once never give away the same seat."""
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    invitation = Invitation.objects.select_related("stakeholder").get(pk=invitation.pk)
    if not 0 <= companions <= MAX_COMPANIONS:
        raise ValidationError(_("Between 0 and %(max)s companions.") % {"max": MAX_COMPANIONS})
    was_accepted = invitation.status == RsvpStatus.ACCEPTED
    invitation.responded_at = timezone.now()
    if not accept:
        invitation.status, invitation.companions = RsvpStatus.DECLINED, 0
    elif _seats_taken(event, besides=invitation) + 1 + companions <= event.capacity:
        invitation.status, invitation.companions = RsvpStatus.ACCEPTED, companions
    elif was_accepted:
        raise ValidationError(_("There are not enough seats left for your companions."))
    else:
        invitation.status, invitation.companions = RsvpStatus.WAITING, companions
    invitation.save(update_fields=["status", "companions", "responded_at"])
    if invitation.status == RsvpStatus.ACCEPTED and not was_accepted:
        _confirm(invitation)
    if was_accepted and invitation.status != RsvpStatus.ACCEPTED:
        waiting_list_promote(event=event)
    outbox_soon()
    return invitation


def waiting_list_promote(*, event: Event) -> list[Invitation]:
    """Freed seats go to the waiting list in the order of the answers (those who fit)."""
    promoted = []
    waiting = event.invitations.filter(status=RsvpStatus.WAITING).select_related("stakeholder")
    for invitation in waiting.order_by("responded_at", "id"):
        if _seats_taken(event, besides=invitation) + invitation.seats <= event.capacity:
            invitation.status = RsvpStatus.ACCEPTED
            invitation.save(update_fields=["status"])
            _confirm(invitation)
            promoted.append(invitation)
    return promoted


def reminders_send(*, now: datetime | None = None) -> int:
    """A reminder with the calendar entry to everyone accepted, once, two days before."""
    now = now or timezone.now()
    due = Invitation.objects.filter(
        status=RsvpStatus.ACCEPTED,
        reminded_at__isnull=True,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMIND_BEFORE,
    ).select_related("event", "event__created_by", "stakeholder", "stakeholder__account")
    sent = 0
    for invitation in due:
        with transaction.atomic():
            if Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                _mail(
                    invitation,
                    MailKind.EVENT_NOTICE,
                    "campaigns/email/reminder.txt",
                    _("Reminder: %(title)s") % {"title": invitation.event.title},
                    url=rsvp_url(invitation),
                )
                sent += 1
    return sent


@transaction.atomic
def attendance_record(*, event: Event, attended_ids: set[int]) -> int:
    """After the event: attended or no-show for everyone who had accepted."""
    accepted = event.invitations.filter(status=RsvpStatus.ACCEPTED)
    accepted.filter(pk__in=attended_ids).update(attended=True)
    accepted.exclude(pk__in=attended_ids).update(attended=False)
    return accepted.filter(attended=True).count()


@transaction.atomic
def event_follow_up(*, event: Event, user: User) -> Mailing:
    """A draft mailing to those who attended (a segment of the event's attendees), to be
    written, previewed, tested and confirmed like any other: it goes through the send gate."""
    from kam.campaigns.mailings import mailing_save
    from kam.campaigns.segments import segment_save

    # Braces would be read as placeholders of the mail's text.
    title = {"title": event.title.replace("{", "(").replace("}", ")")}
    segment = segment_save(
        segment=None,
        name=_("Attendees: %(title)s") % title,
        filters={"attended_event": event.pk},
        user=user,
    )
    mailing = Mailing(
        title=_("Follow-up: %(title)s") % title,
        purpose=Purpose.EVENTS,
        segment=segment,
        subject=_("Thank you for coming to %(title)s") % title,
        body=_("Dear {name},\n\nthank you for coming to %(title)s.\n\nKind regards\n{betreuer}")
        % title,
    )
    return mailing_save(mailing=mailing, user=user)


def event_figures(event: Event) -> dict[str, int]:
    counts = {status: 0 for status in RsvpStatus.values}
    for status in event.invitations.values_list("status", flat=True):
        counts[status] += 1
    seats = _seats_taken(event, besides=Invitation(pk=0))
    attended = event.invitations.filter(attended=True).count()
    return counts | {
        "seats_taken": seats,
        "seats_free": max(event.capacity - seats, 0),
        "attended": attended,
    }
