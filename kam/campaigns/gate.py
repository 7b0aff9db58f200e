"""The send gate: may this person be mailed for this purpose, and if not, why not.

German law (UWG § 7 (2) Nr. 3) requires prior express consent for e-mail advertising, also
between businesses; the existing-customer exception of § 7 (3) UWG applies only under all of its
conditions; consent must be provable (DSGVO Art. 7 (1)), which for e-mail means a confirmed
double opt-in. `decide` is the rule, a pure function of the stakeholder and the newest consent
record; every mail of a mailing passes it when queued and again right before it is sent.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Stakeholder
from kam.campaigns.models import (
    BouncedAddress,
    CaptureMethod,
    Channel,
    ConsentRecord,
    ConsentStatus,
    LegalBasis,
    Purpose,
)


class Refusal(models.TextChoices):
    NO_EMAIL = "no_email", _("No e-mail address")
    NO_CONSENT = "no_consent", _("No consent")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    DOI_UNCONFIRMED = "doi_unconfirmed", _("Double opt-in not confirmed")
    UWG_CONDITIONS = "uwg_conditions", _("§ 7 (3) UWG conditions not met")
    BASIS_NOT_FOR_PURPOSE = "basis_purpose", _("The legal basis does not cover this purpose")
    ADDRESS_CHANGED = "address_changed", _("Consent was given for another address")
    BOUNCING = "bouncing", _("The address bounced (refused for good by the mail server)")


#: What the existing-customer exception covers: advertising of our own similar goods.
EXISTING_CUSTOMER_PURPOSES = frozenset({Purpose.NEWSLETTER, Purpose.PRICE_LISTS, Purpose.EVENTS})
#: What the contract itself covers: its price lists and condition documents.
CONTRACT_PURPOSES = frozenset({Purpose.PRICE_LISTS})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    record: ConsentRecord | None = None

    @property
    def reason_label(self) -> str:
        return str(Refusal(self.reason).label) if self.reason else ""


def _refuse(reason: Refusal, record: ConsentRecord | None = None) -> Decision:
    return Decision(False, reason.value, record)


def _basis_refusal(record: ConsentRecord, purpose: str) -> Refusal | None:
    if record.legal_basis == LegalBasis.CONSENT:
        confirmed = record.status == ConsentStatus.GRANTED and record.method == CaptureMethod.DOI
        return None if confirmed else Refusal.DOI_UNCONFIRMED
    if record.legal_basis == LegalBasis.EXISTING_CUSTOMER:
        if purpose not in EXISTING_CUSTOMER_PURPOSES:
            return Refusal.BASIS_NOT_FOR_PURPOSE
        conditions = (record.address_from_sale, record.similar_goods, record.informed_of_objection)
        return None if all(conditions) else Refusal.UWG_CONDITIONS
    if record.legal_basis == LegalBasis.CONTRACT:
        return None if purpose in CONTRACT_PURPOSES else Refusal.BASIS_NOT_FOR_PURPOSE
    return Refusal.NO_CONSENT


def decide(
    stakeholder: Stakeholder, record: ConsentRecord | None, purpose: str, *, bouncing: bool = False
) -> Decision:
    """The rule: `record` is the newest e-mail consent record of the stakeholder for `purpose`;
    `bouncing` says the mail server refused the stakeholder's address for good."""
    if not stakeholder.email.strip():
        return _refuse(Refusal.NO_EMAIL, record)
    if bouncing:
        return _refuse(Refusal.BOUNCING, record)
    if record is None:
        return _refuse(Refusal.NO_CONSENT)
    if record.status == ConsentStatus.WITHDRAWN:
        return _refuse(Refusal.WITHDRAWN, record)
    if (refusal := _basis_refusal(record, purpose)) is not None:
        return _refuse(refusal, record)
    if record.email.strip().lower() != stakeholder.email.strip().lower():
        return _refuse(Refusal.ADDRESS_CHANGED, record)
    return Decision(True, "", record)


def current_records(
    stakeholder_ids: Iterable[int], *, purpose: str, channel: str = Channel.EMAIL
) -> dict[int, ConsentRecord]:
    """The newest record per stakeholder for the channel and purpose (the current state)."""
    ids = list(stakeholder_ids)
    newest: dict[int, ConsentRecord] = {}
    for start in range(0, len(ids), 500):
        records = ConsentRecord.objects.filter(
            stakeholder_id__in=ids[start : start + 500], channel=channel, purpose=purpose
        ).order_by("stakeholder_id", "recorded_at", "id")
        for record in records:
            newest[record.stakeholder_id] = record
    return newest


def _normal(email: str) -> str:
    return email.strip().lower()


def bouncing_ids(people: list[Stakeholder]) -> set[int]:
    """The stakeholders whose current address the mail server refused for good."""
    ids = [person.pk for person in people]
    bounced: set[tuple[int, str]] = set()
    for start in range(0, len(ids), 500):
        rows = BouncedAddress.objects.filter(stakeholder_id__in=ids[start : start + 500])
        bounced |= {
            (pk, _normal(email)) for pk, email in rows.values_list("stakeholder_id", "email")
        }
    return {person.pk for person in people if (person.pk, _normal(person.email)) in bounced}


def gate_many(
    *, stakeholders: Iterable[Stakeholder], purpose: str, bouncing: set[int] | None = None
) -> dict[int, Decision]:
    """`bouncing`: the people's bouncing_ids when the caller asks for several purposes."""
    people = list(stakeholders)
    records = current_records([person.pk for person in people], purpose=purpose)
    bouncing = bouncing_ids(people) if bouncing is None else bouncing
    return {
        person.pk: decide(person, records.get(person.pk), purpose, bouncing=person.pk in bouncing)
        for person in people
    }


def gate(*, stakeholder: Stakeholder, purpose: str) -> Decision:
    return gate_many(stakeholders=[stakeholder], purpose=purpose)[stakeholder.pk]
