"""Writes of consent: every change is a new ConsentRecord (append-only); the history is the proof.

E-mail consent starts as `pending` and is granted only by the person's click on the signed
double-opt-in link (time and address recorded); phone and post consent, the existing-customer
exception and the contract basis are recorded as they are.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Stakeholder
from kam.campaigns import outbox, tokens
from kam.campaigns.gate import current_records
from kam.campaigns.models import (
    CaptureMethod,
    Channel,
    ConsentRecord,
    ConsentStatus,
    ConsentWording,
    LegalBasis,
    MailKind,
    OutboxMail,
)
from kam.users.models import User


def wording_current(purpose: str) -> ConsentWording | None:
    return ConsentWording.objects.filter(purpose=purpose).order_by("-version").first()


@transaction.atomic
def wording_publish(*, purpose: str, text: str) -> ConsentWording:
    """A new version of the wording; the old versions stay, as the records point to them."""
    if not text.strip():
        raise ValidationError({"text": _("The wording must not be empty.")})
    current = wording_current(purpose)
    version = current.version + 1 if current else 1
    return ConsentWording.objects.create(purpose=purpose, version=version, text=text.strip())


def _needs_double_opt_in(channel: str, legal_basis: str) -> bool:
    return channel == Channel.EMAIL and legal_basis == LegalBasis.CONSENT


def _validate(stakeholder: Stakeholder, channel: str, legal_basis: str, wording) -> None:
    if channel == Channel.EMAIL and not stakeholder.email.strip():
        raise ValidationError(_("The contact person has no e-mail address."))
    if _needs_double_opt_in(channel, legal_basis) and wording is None:
        raise ValidationError(_("Consent needs the wording that was shown; publish one first."))


@transaction.atomic
def consent_record(
    *,
    stakeholder: Stakeholder,
    channel: str,
    purpose: str,
    legal_basis: str,
    method: str,
    user: User | None,
    note: str = "",
    ip_address: str | None = None,
    address_from_sale: bool = False,
    similar_goods: bool = False,
    informed_of_objection: bool = False,
) -> ConsentRecord:
    """Records a consent (or another legal basis); e-mail consent asks for the double opt-in."""
    wording = wording_current(purpose) if legal_basis == LegalBasis.CONSENT else None
    _validate(stakeholder, channel, legal_basis, wording)
    doi = _needs_double_opt_in(channel, legal_basis)
    record = ConsentRecord(
        stakeholder=stakeholder,
        channel=channel,
        purpose=purpose,
        legal_basis=legal_basis,
        status=ConsentStatus.PENDING if doi else ConsentStatus.GRANTED,
        method=method,
        note=note.strip(),
        wording=wording,
        email=stakeholder.email.strip() if channel == Channel.EMAIL else "",
        ip_address=ip_address or None,
        recorded_by=user,
        address_from_sale=address_from_sale,
        similar_goods=similar_goods,
        informed_of_objection=informed_of_objection,
    )
    record.full_clean()
    record.save()
    if doi:
        doi_request_send(record=record, user=user)
    return record


def doi_request_send(*, record: ConsentRecord, user: User | None) -> OutboxMail:
    """The mail with the confirmation link, through the outbox like every other mail."""
    url = tokens.site_url(reverse("campaigns:doi", kwargs={"token": tokens.doi_token(record.pk)}))
    context = {"record": record, "stakeholder": record.stakeholder, "url": url}
    return outbox.mail_enqueue(
        kind=MailKind.DOI,
        to_email=record.email,
        subject=_("Please confirm: %(purpose)s") % {"purpose": record.get_purpose_display()},
        body_text=render_to_string("campaigns/email/doi.txt", context),
        stakeholder=record.stakeholder,
        account=record.stakeholder.account,
        created_by=user,
    )


def doi_pending_for_token(token: str) -> ConsentRecord | None:
    record_id = tokens.doi_record_id(token)
    if record_id is None:
        return None
    return (
        ConsentRecord.objects.filter(pk=record_id, status=ConsentStatus.PENDING)
        .select_related("stakeholder", "wording")
        .first()
    )


@transaction.atomic
def doi_confirm(*, pending: ConsentRecord, ip_address: str | None) -> ConsentRecord | None:
    """The person clicked the link: a new `granted` record confirming the pending one. Nothing
    happens when the request was superseded (withdrawn or confirmed since)."""
    Stakeholder.objects.select_for_update().filter(pk=pending.stakeholder_id).first()
    current = current_records(
        [pending.stakeholder_id], purpose=pending.purpose, channel=pending.channel
    ).get(pending.stakeholder_id)
    if current is None or current.pk != pending.pk:
        return None
    return ConsentRecord.objects.create(
        stakeholder_id=pending.stakeholder_id,
        channel=pending.channel,
        purpose=pending.purpose,
        legal_basis=pending.legal_basis,
        status=ConsentStatus.GRANTED,
        method=CaptureMethod.DOI,
        wording=pending.wording,
        email=pending.email,
        ip_address=ip_address or None,
        confirms=pending,
    )


@transaction.atomic
def consent_withdraw(
    *,
    stakeholder: Stakeholder,
    purpose: str,
    method: str,
    channel: str = Channel.EMAIL,
    user: User | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> ConsentRecord | None:
    """Withdrawal (or objection) takes effect at once; withdrawing twice records nothing new."""
    Stakeholder.objects.select_for_update().filter(pk=stakeholder.pk).first()
    current = current_records([stakeholder.pk], purpose=purpose, channel=channel).get(
        stakeholder.pk
    )
    if current is not None and current.status == ConsentStatus.WITHDRAWN:
        return None
    return ConsentRecord.objects.create(
        stakeholder=stakeholder,
        channel=channel,
        purpose=purpose,
        legal_basis=current.legal_basis if current else LegalBasis.CONSENT,
        status=ConsentStatus.WITHDRAWN,
        method=method,
        note=note.strip(),
        email=current.email if current else stakeholder.email,
        ip_address=ip_address or None,
        recorded_by=user,
        recorded_at=timezone.now(),
    )
