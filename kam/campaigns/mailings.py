"""Mailings: preview, test mail, confirmation (and approval above a size), then queued into the
outbox by a background task, each recipient through the send gate; yearly recurrence."""

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kam.accounts.models import Stakeholder
from kam.campaigns import outbox, templating, tokens
from kam.campaigns.gate import Decision, gate_many
from kam.campaigns.models import Mailing, MailingStatus, MailKind, MailStatus, OutboxMail
from kam.campaigns.segments import segment_preview, segment_stakeholders
from kam.core import permissions
from kam.users.models import User


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str
    unsubscribe_url: str


_MARKER = "LINK-MARKER"


@functools.cache
def _unsubscribe_prefix() -> str:
    """The link with a marker for the token: reversed once, not once per recipient."""
    return tokens.site_url(reverse("campaigns:unsubscribe", kwargs={"token": _MARKER}))


def unsubscribe_url(person: Stakeholder, purpose: str) -> str:
    token = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=purpose)
    return _unsubscribe_prefix().replace(_MARKER, token)


@functools.lru_cache(maxsize=8)
def _footer(language: str) -> str:
    """The objection notice with {url} for the link, rendered once per language."""
    return render_to_string("campaigns/email/footer.txt", {"url": "{url}"})


@functools.lru_cache(maxsize=8)
def _footer_html(language: str) -> str:
    """The objection notice as HTML with {url} for the (escaped) link, once per language."""
    lines = _footer(language).strip().splitlines()
    return "<hr>" + "<br>".join(escape(line).replace(escape("{url}"), "{url}") for line in lines)


def render_for(mailing: Mailing, person: Stakeholder, *, test: bool = False) -> RenderedMail:
    """The mail as this person would receive it, with the objection notice and the link."""
    values = templating.values_for(person)
    link = "" if test else unsubscribe_url(person, mailing.purpose)
    shown = link or str(_("(the personal link of the real mail)"))
    language = get_language()
    body_text = (
        templating.render_text(mailing.body, values)
        + "\n\n"
        + _footer(language).replace("{url}", shown)
    )
    footer_html = _footer_html(language).replace("{url}", escape(shown))
    body_html = templating.render_html(mailing.body, values) + footer_html
    subject = templating.render_subject(mailing.subject, values)
    return RenderedMail(subject, body_text, body_html, link)


def _check_texts(mailing: Mailing) -> None:
    unknown = templating.unknown_placeholders(mailing.subject + " " + mailing.body)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise ValidationError(_("Unknown placeholders: %(names)s") % {"names": names})


def mailing_save(*, mailing: Mailing, user: User) -> Mailing:
    if mailing.pk and mailing.status != MailingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed."))
    if not mailing.pk:
        mailing.created_by = user
    _check_texts(mailing)
    mailing.full_clean()
    mailing.save()
    return mailing


def test_mail_send(*, mailing: Mailing, user: User) -> OutboxMail:
    """The mail as its first recipient would get it, to the user's own address."""
    if not user.email:
        raise ValidationError(_("Your user has no e-mail address."))
    person = segment_stakeholders(segment=mailing.segment, user=user).first()
    if person is None:
        raise ValidationError(_("The segment has no recipients."))
    mail = render_for(mailing, person, test=True)
    row = outbox.mail_enqueue(
        kind=MailKind.TEST,
        to_email=user.email,
        subject=f"[Test] {mail.subject}",
        body_text=mail.body_text,
        body_html=mail.body_html,
        mailing=mailing,
        created_by=user,
        stakeholder=person,
        attachment=mailing.attachment,
    )
    _deliver_soon()
    return row


def _deliver_soon() -> None:
    from kam.campaigns.tasks import deliver_outbox

    transaction.on_commit(lambda: deliver_outbox.enqueue())


def needs_approval(mailing: Mailing, recipients: int, user: User) -> bool:
    above = recipients > settings.KAM_MAILING_APPROVAL_ABOVE
    return above and mailing.approved_by_id is None and not permissions.can_approve_mailings(user)


@transaction.atomic
def mailing_confirm(*, mailing: Mailing, user: User) -> Mailing:
    """The sender confirmed after the preview: queued now, at `send_at`, or after approval."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT:
        raise ValidationError(_("This mailing has already been confirmed."))
    preview = segment_preview(
        segment=mailing.segment, user=mailing.created_by, purpose=mailing.purpose
    )
    if not preview.allowed:
        raise ValidationError(_("Nobody in the segment may receive this mailing."))
    mailing.confirmed_at = timezone.now()
    if needs_approval(mailing, len(preview.allowed), user):
        mailing.status = MailingStatus.AWAITING_APPROVAL
    else:
        _schedule(mailing)
    mailing.save(update_fields=["status", "confirmed_at", "send_at"])
    return mailing


def _schedule(mailing: Mailing) -> None:
    mailing.send_at = mailing.send_at or timezone.now()
    mailing.status = MailingStatus.SCHEDULED
    if mailing.send_at <= timezone.now():
        transaction.on_commit(lambda: _queue_due_soon())


def _queue_due_soon() -> None:
    from kam.campaigns.tasks import queue_due_mailings

    queue_due_mailings.enqueue()


@transaction.atomic
def mailing_approve(*, mailing: Mailing, user: User) -> Mailing:
    if not permissions.can_approve_mailings(user):
        raise ValidationError(_("Only sales leadership approves mailings."))
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This mailing does not await approval."))
    mailing.approved_by = user
    _schedule(mailing)
    mailing.save(update_fields=["status", "approved_by", "send_at"])
    return mailing


@transaction.atomic
def mailing_cancel(*, mailing: Mailing) -> int:
    """Stops the mailing: its mails not yet claimed by a worker are cancelled."""
    Mailing.objects.filter(pk=mailing.pk).exclude(status=MailingStatus.CANCELLED).update(
        status=MailingStatus.CANCELLED
    )
    cancellable = (*outbox.SENDABLE, MailStatus.CLAIMED)  # a claimed row is taken only if still so
    return OutboxMail.objects.filter(mailing=mailing, status__in=cancellable).update(
        status=MailStatus.CANCELLED
    )


def occurrence_of(mailing: Mailing) -> str:
    """One occurrence per year for a yearly mailing, a single one otherwise."""
    when = timezone.localtime(mailing.send_at) if mailing.send_at else timezone.localtime()
    return str(when.year) if mailing.repeat_yearly else "once"


def _next_year(when: datetime.datetime) -> datetime.datetime:
    try:
        return when.replace(year=when.year + 1)
    except ValueError:  # 29 February
        return when.replace(year=when.year + 1, day=28)


def _claim_due(mailing_id: int, now: datetime.datetime) -> Mailing | None:
    claimed = Mailing.objects.filter(
        pk=mailing_id, status=MailingStatus.SCHEDULED, send_at__lte=now
    ).update(status=MailingStatus.QUEUING)
    return (
        Mailing.objects.select_related("segment", "created_by").get(pk=mailing_id)
        if claimed
        else None
    )


def queue_due(*, now: datetime.datetime | None = None) -> int:
    """Queues every scheduled mailing that is due; each is claimed first, so two schedulers
    never queue one twice, and the outbox's unique key stops a second occurrence anyway."""
    now = now or timezone.now()
    due = Mailing.objects.filter(status=MailingStatus.SCHEDULED, send_at__lte=now)
    queued = 0
    for mailing_id in due.values_list("pk", flat=True):
        mailing = _claim_due(mailing_id, now)
        if mailing is not None:
            queued += mailing_queue(mailing=mailing, occurrence=occurrence_of(mailing))
            _after_occurrence(mailing)
    return queued


def _after_occurrence(mailing: Mailing) -> None:
    fields: dict[str, object] = {
        "last_occurrence": occurrence_of(mailing),
        "status": MailingStatus.QUEUED,
    }
    if mailing.repeat_yearly and mailing.send_at:
        fields |= {"status": MailingStatus.SCHEDULED, "send_at": _next_year(mailing.send_at)}
    Mailing.objects.filter(pk=mailing.pk, status=MailingStatus.QUEUING).update(**fields)


def _row(mailing: Mailing, occurrence: str, person: Stakeholder, decision: Decision) -> OutboxMail:
    common = {  # ids, not instances: assigning related objects costs more than rendering
        "kind": MailKind.MAILING,
        "mailing_id": mailing.pk,
        "occurrence": occurrence,
        "stakeholder_id": person.pk,
        "account_id": person.account_id,
        "purpose": mailing.purpose,
        "to_email": person.email.strip(),
        "message_id": outbox.new_message_id(),
        "created_by_id": mailing.created_by_id,
        "attachment": mailing.attachment,
    }
    if not decision.allowed:
        return OutboxMail(
            **common, status=MailStatus.REFUSED, reason=decision.reason, subject="", body_text=""
        )
    mail = render_for(mailing, person)
    return OutboxMail(
        **common,
        subject=mail.subject[:300],
        body_text=mail.body_text,
        body_html=mail.body_html,
        unsubscribe_url=mail.unsubscribe_url,
    )


def mailing_queue(*, mailing: Mailing, occurrence: str) -> int:
    """One outbox row per recipient of the segment (resolved for the mailing's sender): queued
    where the gate allows, `refused` with the reason where it does not. Running it again for the
    same occurrence adds nothing (unique per mailing, occurrence and recipient)."""
    people = list(segment_stakeholders(segment=mailing.segment, user=mailing.created_by))
    decisions = gate_many(stakeholders=people, purpose=mailing.purpose)
    rows = [_row(mailing, occurrence, person, decisions[person.pk]) for person in people]
    OutboxMail.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    _deliver_soon()
    return sum(1 for row in rows if row.status == MailStatus.QUEUED)


def mailing_progress(mailing: Mailing) -> dict[str, int]:
    """Recipients per state of the outbox, by the state's label."""
    counts = {str(label): 0 for label in MailStatus.labels}
    rows = OutboxMail.objects.filter(mailing=mailing, kind=MailKind.MAILING)
    for status in rows.values_list("status", flat=True):
        counts[str(MailStatus(status).label)] += 1
    return counts
