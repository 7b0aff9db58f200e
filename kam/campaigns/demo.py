"""Demo campaigns for `kam demo`: e-mail consent of the key accounts' contact persons (mostly
confirmed double opt-in, some pending, withdrawn or under § 7 (3) UWG), a segment of their
decision makers, last January's price list mailing sent to it, a customer day held two months
ago with answers and attendance, and a summer party ahead with registrations."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kam.accounts.models import BuyingRole, KeyAccountStatus, Stakeholder
from kam.campaigns import consent, contacts
from kam.campaigns.gate import gate_many
from kam.campaigns.mailings import _row
from kam.campaigns.models import (
    CaptureMethod,
    Channel,
    ConsentRecord,
    ConsentStatus,
    Event,
    Invitation,
    LegalBasis,
    Mailing,
    MailingStatus,
    MailStatus,
    OutboxMail,
    Purpose,
    RsvpStatus,
    Segment,
)
from kam.campaigns.segments import segment_save, segment_stakeholders

WORDINGS = {
    Purpose.EVENTS: "Ja, laden Sie mich per E-Mail zu Kundenveranstaltungen ein.",
    Purpose.PRICE_LISTS: "Ja, senden Sie mir Preislisten und Konditionsunterlagen per E-Mail.",
    Purpose.NEWSLETTER: "Ja, informieren Sie mich per E-Mail über Neuheiten.",
}
KEY_STATUSES = [KeyAccountStatus.KEY_ACCOUNT, KeyAccountStatus.STRATEGIC]


#: What a demo consent record of each kind sets beyond the person, purpose, time and wording.
PENDING: dict[str, object] = {
    "legal_basis": LegalBasis.CONSENT,
    "status": ConsentStatus.PENDING,
    "method": CaptureMethod.FORM,
}
WITHDRAWN: dict[str, object] = {
    "legal_basis": LegalBasis.CONSENT,
    "status": ConsentStatus.WITHDRAWN,
    "method": CaptureMethod.UNSUBSCRIBE,
}
EXISTING_CUSTOMER: dict[str, object] = {
    "legal_basis": LegalBasis.EXISTING_CUSTOMER,
    "status": ConsentStatus.GRANTED,
    "method": CaptureMethod.MANAGER,
    "address_from_sale": True,
    "similar_goods": True,
    "informed_of_objection": True,
}


def _record(person: Stakeholder, purpose: str, when: datetime, wordings, **kind) -> ConsentRecord:
    return ConsentRecord(
        stakeholder=person,
        channel=Channel.EMAIL,
        purpose=purpose,
        email=person.email,
        recorded_at=when,
        wording=wordings[purpose],
        **kind,
    )


def _consent(person: Stakeholder, purpose: str, rng: random.Random, when: datetime, wordings):
    """Mostly a confirmed double opt-in; now and then pending, withdrawn or § 7 (3) UWG."""
    roll = rng.random()
    kind: dict[str, object]
    if roll < 0.75:
        kind = {
            "legal_basis": LegalBasis.CONSENT,
            "status": ConsentStatus.GRANTED,
            "method": CaptureMethod.DOI,
            "ip_address": f"198.51.100.{rng.randint(1, 254)}",
        }
    elif roll < 0.85:
        kind = PENDING
    elif roll < 0.93:
        kind = WITHDRAWN
    else:
        kind = EXISTING_CUSTOMER
    return [_record(person, purpose, when, wordings, **kind)]


def _consents(rng: random.Random, people: list[Stakeholder], now: datetime) -> None:
    wordings = {
        purpose: consent.wording_publish(purpose=purpose, text=text)
        for purpose, text in WORDINGS.items()
    }
    records = []
    for person in people:
        when = now - timedelta(days=rng.randint(400, 900))
        for purpose in (Purpose.EVENTS, Purpose.PRICE_LISTS):
            records += _consent(person, purpose, rng, when, wordings)
    # Whatever the dice said: the first decision maker withdrew the price lists last summer,
    # so the sent price-list mailing always shows a refusal with its reason.
    first = next((p for p in people if p.buying_role == BuyingRole.DECISION_MAKER), None)
    if first is not None:
        withdrawn_at = now - timedelta(days=160)
        records.append(_record(first, Purpose.PRICE_LISTS, withdrawn_at, wordings, **WITHDRAWN))
    ConsentRecord.objects.bulk_create(records)


def _sent_mailing(segment: Segment, leader, now: datetime) -> Mailing:
    """Last January's price list, sent: outbox rows and an e-mail activity per recipient."""
    sent_at = now.replace(month=1, day=15, hour=9, minute=0, second=0, microsecond=0)
    sent_at = sent_at if sent_at < now else sent_at.replace(year=now.year - 1)
    mailing = Mailing.objects.create(
        title=f"Preisliste {sent_at.year}",
        purpose=Purpose.PRICE_LISTS,
        segment=segment,
        subject="Preisliste {firma} " + str(sent_at.year),
        body="Guten Tag {name},\n\nanbei unsere Preisliste für {firma}.\n\nIhr {betreuer}",
        status=MailingStatus.QUEUED,
        created_by=leader,
        approved_by=leader,
        confirmed_at=sent_at,
        send_at=sent_at,
        last_occurrence=str(sent_at.year),
    )
    people = list(segment_stakeholders(segment=segment, user=leader))
    decisions = gate_many(stakeholders=people, purpose=mailing.purpose)
    rows = [_row(mailing, str(sent_at.year), p, decisions[p.pk]) for p in people]
    for row in rows:
        if row.status == MailStatus.QUEUED:
            row.status, row.sent_at, row.attempts = MailStatus.SENT, sent_at, 1
    OutboxMail.objects.bulk_create(rows)
    for row in OutboxMail.objects.filter(mailing=mailing, status=MailStatus.SENT):
        activity = contacts.record_mail_sent(row)
        if activity is not None:
            type(activity).objects.filter(pk=activity.pk).update(starts_at=sent_at)
    return mailing


def _event(segment: Segment, leader, title: str, starts_at: datetime, capacity: int) -> Event:
    return Event.objects.create(
        title=title,
        description="Werksführung, Neuheiten aus der Entwicklung und Abendessen.",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=6),
        place="Werk Nord, Halle 3",
        capacity=capacity,
        segment=segment,
        created_by=leader,
    )


def _answers(rng: random.Random, event: Event, people: list[Stakeholder], held: bool) -> None:
    decisions = gate_many(stakeholders=people, purpose=Purpose.EVENTS)
    seats = 0
    invitations = []
    for person in (p for p in people if decisions[p.pk].allowed):
        roll = rng.random()
        invitation = Invitation(event=event, stakeholder=person)
        if roll < 0.55 and seats < event.capacity:
            invitation.status, invitation.companions = RsvpStatus.ACCEPTED, rng.choice([0, 0, 1])
            seats += invitation.seats
            invitation.attended = (rng.random() < 0.85) if held else None
        elif roll < 0.55:
            invitation.status = RsvpStatus.WAITING
        elif roll < 0.8:
            invitation.status = RsvpStatus.DECLINED
        if invitation.status != RsvpStatus.INVITED:
            invitation.responded_at = event.starts_at - timedelta(days=rng.randint(5, 25))
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations)


def populate(rng: random.Random, company) -> None:
    now = timezone.now()
    leader = company.users["leitung"]
    key_accounts = [a.pk for a in company.accounts if a.status in KEY_STATUSES]
    people = list(
        Stakeholder.objects.filter(account_id__in=key_accounts).exclude(email="").order_by("id")
    )
    _consents(rng, people, now)
    segment = segment_save(
        segment=None,
        name="Key Accounts – Entscheider",
        filters={"status": KEY_STATUSES, "buying_role": ["decision_maker"]},
        user=leader,
    )
    everyone = segment_save(
        segment=None,
        name="Key Accounts – alle Ansprechpartner",
        filters={"status": KEY_STATUSES},
        user=leader,
    )
    _sent_mailing(segment, leader, now)
    invited = list(segment_stakeholders(segment=everyone, user=leader))
    held = _event(everyone, leader, "Kundentag", now - timedelta(days=60), capacity=40)
    _answers(rng, held, invited, held=True)
    ahead = _event(everyone, leader, "Sommerfest", now + timedelta(days=30), capacity=25)
    _answers(rng, ahead, invited, held=False)
