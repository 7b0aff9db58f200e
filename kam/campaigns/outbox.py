"""The outbox: every mail of kam's campaigns, delivered at most once.

A mail is a row. A worker reserves a batch of rows with one conditional update (queued/retry →
claimed) and then, for each mail in turn, takes it (claimed → sending, committed before the mail
server is called), sends it with its unique Message-ID over the batch's one SMTP connection, and
marks it sent. Only `sending` rows can have reached the mail server: a worker that dies leaves
at most one of them, which `recover_stale` turns into `uncertain` for a person to decide (the
Message-ID lets the mail server's log prove whether it went out); its `claimed` rows were never
handed over and are queued again. Nothing resends a `sending` row automatically, so no crash can
send a mail twice. Answers of the mail server are classified: an error reply before the mail was
accepted (4xx: retried with backoff; 5xx: failed, and a refused recipient's address recorded as
bouncing) proves it was not delivered; anything else during the transfer (a dropped connection, a
timeout) could have delivered it and is `uncertain` too.
"""

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from kam.campaigns.gate import Decision, Refusal, gate, gate_many
from kam.campaigns.models import BouncedAddress, MailKind, MailStatus, OutboxMail
from kam.users.models import User

logger = logging.getLogger(__name__)

SENDABLE = (MailStatus.QUEUED, MailStatus.RETRY)
#: Advertising: checked against the send gate again right before sending.
GATED_KINDS = (MailKind.MAILING, MailKind.INVITATION)
MAX_ATTEMPTS = 8
#: A live worker finishes one mail long before this; a row still `sending` after it was orphaned.
LEASE = timedelta(minutes=15)


def new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "kam.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def mail_enqueue(
    *,
    kind: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    stakeholder=None,
    account=None,
    mailing=None,
    occurrence: str = "",
    purpose: str = "",
    unsubscribe_url: str = "",
    created_by: User | None = None,
    ics: str = "",
    attachment: str = "",
) -> OutboxMail:
    return OutboxMail.objects.create(**_row_fields(locals()))


def _row_fields(values: dict) -> dict:
    fields = {key: value for key, value in values.items() if key != "subject"}
    # A subject is a header: a line break in it would start a header of the sender's choosing.
    fields["subject"] = " ".join(values["subject"].split())[:300]
    fields["message_id"] = new_message_id()
    return fields


#: Rows a worker reserves at once: one query each for the claim, the rows and the send gate.
BATCH_SIZE = 50


def _candidates(now, limit: int) -> list[int]:
    rows = OutboxMail.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "id"
    )
    if db_connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return list(rows.values_list("id", flat=True)[:limit])


def claim_batch(*, worker: str, size: int = BATCH_SIZE) -> list[OutboxMail]:
    """Reserves up to `size` sendable mails for `worker` (committed when this returns), in the
    order they are to be sent. On PostgreSQL the candidates are locked with SKIP LOCKED, so two
    workers pick different rows; on SQLite the transaction takes the write lock first."""
    now = timezone.now()
    with transaction.atomic():
        ids = _candidates(now, size)
        OutboxMail.objects.filter(pk__in=ids, status__in=SENDABLE).update(
            status=MailStatus.CLAIMED, claimed_at=now, claimed_by=worker
        )
    related = OutboxMail.objects.select_related("stakeholder", "stakeholder__account__owner")
    claimed = related.filter(pk__in=ids, status=MailStatus.CLAIMED, claimed_by=worker)
    return list(claimed.order_by("id"))


def claim_next(*, worker: str) -> OutboxMail | None:
    """Reserves one sendable mail for `worker`, or None."""
    batch = claim_batch(worker=worker, size=1)
    return batch[0] if batch else None


def _take(mail: OutboxMail, *, worker: str) -> bool:
    """claimed → sending, committed before the mail server is called. False when the row was
    given back meanwhile (the worker paused longer than the lease, or the mailing was cancelled)."""
    return bool(
        OutboxMail.objects.filter(pk=mail.pk, status=MailStatus.CLAIMED, claimed_by=worker).update(
            status=MailStatus.SENDING, claimed_at=timezone.now()
        )
    )


def _release(*, worker: str) -> int:
    """The worker's reserved rows it did not take go back to the queue (never handed over)."""
    return OutboxMail.objects.filter(status=MailStatus.CLAIMED, claimed_by=worker).update(
        status=MailStatus.QUEUED, claimed_by=""
    )


def build_message(mail: OutboxMail, connection=None) -> EmailMultiAlternatives:
    headers = {"Message-ID": mail.message_id}
    if mail.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        to=[mail.to_email],
        headers=headers,
        connection=connection,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    if mail.ics:
        message.attach("einladung.ics", mail.ics, "text/calendar")
    if mail.attachment and mail.stakeholder is not None:
        from kam.campaigns.pdf import attachment_for

        message.attach(*attachment_for(mail.attachment, mail.stakeholder))
    return message


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def _set(mail: OutboxMail, **fields) -> None:
    held = (MailStatus.CLAIMED, MailStatus.SENDING)
    OutboxMail.objects.filter(pk=mail.pk, status__in=held, claimed_by=mail.claimed_by).update(
        **fields
    )


def _not_delivered(
    mail: OutboxMail, error: smtplib.SMTPResponseException | OSError, report, *, bounce=False
):
    """The server refused before accepting the mail, or was not reachable: safe to retry. A
    permanent refusal of the recipient (`bounce`) marks the address as bouncing."""
    code = getattr(error, "smtp_code", 0) or 0
    refused_for_good = 500 <= code < 600
    if refused_for_good and bounce:
        _bounce_record(mail, error)
    permanent = refused_for_good or mail.attempts + 1 >= MAX_ATTEMPTS
    delay = timedelta(minutes=min(2 ** (mail.attempts + 1), 360))
    _set(
        mail,
        status=MailStatus.FAILED if permanent else MailStatus.RETRY,
        reason=BOUNCED if refused_for_good and bounce else "",
        attempts=mail.attempts + 1,
        next_attempt_at=timezone.now() + delay,
        last_error=str(error)[:1000],
    )
    if permanent:
        report.failed += 1
    else:
        report.retried += 1


#: The outbox row's reason when the mail server refused the recipient's address for good.
BOUNCED = Refusal.BOUNCING.value


def _bounce_record(mail: OutboxMail, error) -> None:
    if mail.stakeholder_id is None:
        return
    message = error.smtp_error
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    reply = f"{error.smtp_code} {text}"[:500]
    BouncedAddress.objects.create(
        stakeholder_id=mail.stakeholder_id, email=mail.to_email, reply=reply, mail=mail
    )


def _refused_code(error: smtplib.SMTPRecipientsRefused) -> smtplib.SMTPResponseException:
    replies = sorted(error.recipients.values(), key=lambda reply: reply[0])
    code, message = replies[-1] if replies else (550, b"recipient refused")
    return smtplib.SMTPResponseException(code, message)


def _mark_sent(mail: OutboxMail, *, worker: str) -> None:
    """Marks the mail sent; records the contact on the account (an activity of type e-mail)."""
    from kam.campaigns import contacts

    with transaction.atomic():
        done = OutboxMail.objects.filter(
            pk=mail.pk, claimed_by=worker, status__in=(MailStatus.SENDING, MailStatus.UNCERTAIN)
        ).update(status=MailStatus.SENT, sent_at=timezone.now(), attempts=mail.attempts + 1)
        if done:
            contacts.record_mail_sent(mail)


#: An SMTP connection idle for longer is checked (NOOP) before the next mail: servers drop idle
#: connections, and a drop found while sending would leave the mail uncertain.
IDLE_CHECK_SECONDS = 5.0


def _ensure_open(connection) -> None:
    """Opens the connection, or checks that an idle SMTP connection still answers: an error here
    happens before any mail is transferred."""
    smtp = getattr(connection, "connection", None)
    idle = time.monotonic() - getattr(connection, "kam_last_used", 0.0)
    if smtp is not None and idle <= IDLE_CHECK_SECONDS:
        return
    if smtp is not None:
        try:
            smtp.noop()
            return
        except (smtplib.SMTPException, OSError):
            connection.close()
    connection.open()


def _gate_batch(batch: list[OutboxMail]) -> dict[int, Decision]:
    """The send gate's decision for each advertising mail of the batch, one query per purpose."""
    gated = [
        (mail, mail.stakeholder)
        for mail in batch
        if mail.kind in GATED_KINDS and mail.stakeholder is not None
    ]
    decisions: dict[int, Decision] = {}
    for purpose in {mail.purpose for mail, _person in gated}:
        mails = [(mail, person) for mail, person in gated if mail.purpose == purpose]
        found = gate_many(stakeholders=[person for _mail, person in mails], purpose=purpose)
        decisions |= {mail.pk: found[person.pk] for mail, person in mails}
    return decisions


def _refusal(mail: OutboxMail, decision: Decision | None) -> str:
    """Why the send gate refuses this mail now ("" if it may go or is not advertising)."""
    if mail.kind not in GATED_KINDS:
        return ""
    if mail.stakeholder is None:
        return "no_consent"
    if decision is None:
        decision = gate(stakeholder=mail.stakeholder, purpose=mail.purpose)
    return "" if decision.allowed else decision.reason


def send_one(
    mail: OutboxMail, *, connection, worker: str, report: Report, decision: Decision | None = None
) -> None:
    """Sends one claimed mail: the gate again, then claimed → sending, SMTP, sent."""
    if reason := _refusal(mail, decision):
        _set(mail, status=MailStatus.REFUSED, reason=reason)
        report.refused += 1
        return
    if not _take(mail, worker=worker):
        return
    try:
        _ensure_open(connection)
    except (smtplib.SMTPException, OSError) as error:
        _not_delivered(mail, error, report)
        return
    try:
        message = build_message(mail, connection)
        connection.kam_last_used = time.monotonic()
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        _not_delivered(mail, _refused_code(error), report, bounce=True)
        return
    except smtplib.SMTPResponseException as error:
        _not_delivered(mail, error, report)
        return
    except Exception as error:  # the transfer broke off: it may have been delivered
        logger.warning("mail %s: %s; marked uncertain", mail.message_id, error)
        _set(mail, status=MailStatus.UNCERTAIN, last_error=str(error)[:1000])
        report.uncertain += 1
        return
    _mark_sent(mail, worker=worker)
    report.sent += 1


def deliver(*, worker: str = "", limit: int = 1000, rate_per_second: float | None = None) -> Report:
    """Sends up to `limit` mails in batches over one SMTP connection, at most `rate_per_second`
    (0: no limit). Reserved rows not taken when it stops go back to the queue."""
    worker = worker or f"worker-{uuid.uuid4().hex[:12]}"
    rate = settings.KAM_MAIL_RATE_PER_SECOND if rate_per_second is None else rate_per_second
    interval = 1 / rate if rate else 0.0
    report = Report()
    connection = get_connection(fail_silently=False)
    handled = 0
    try:
        while handled < limit:
            batch = claim_batch(worker=worker, size=min(BATCH_SIZE, limit - handled))
            if not batch:
                break
            decisions = _gate_batch(batch)
            for mail in batch:
                started = time.monotonic()
                send_one(
                    mail,
                    connection=connection,
                    worker=worker,
                    report=report,
                    decision=decisions.get(mail.pk),
                )
                if (pause := interval - (time.monotonic() - started)) > 0:
                    time.sleep(pause)
            handled += len(batch)
    finally:
        _release(worker=worker)
        connection.close()
    return report


def recover_stale(*, lease: timedelta = LEASE) -> int:
    """Rows a dead worker left: `claimed` ones were never handed to the mail server and are
    queued again; a `sending` one is never resent but marked `uncertain` for a person."""
    OutboxMail.objects.filter(
        status=MailStatus.CLAIMED, claimed_at__lt=timezone.now() - lease
    ).update(status=MailStatus.QUEUED, claimed_by="")
    return OutboxMail.objects.filter(
        status=MailStatus.SENDING, claimed_at__lt=timezone.now() - lease
    ).update(status=MailStatus.UNCERTAIN, last_error="worker stopped while sending")


def mail_resolve_uncertain(*, mail: OutboxMail, delivered: bool) -> bool:
    """A person checked the mail server's log for the Message-ID: sent, or send again."""
    status = MailStatus.SENT if delivered else MailStatus.QUEUED
    extra = {"sent_at": timezone.now()} if delivered else {"next_attempt_at": timezone.now()}
    return bool(
        OutboxMail.objects.filter(pk=mail.pk, status=MailStatus.UNCERTAIN).update(
            status=status, **extra
        )
    )
