"""Helpers of the campaigns tests: consent goes through the services, as in real life."""

from kam.campaigns import consent
from kam.campaigns.models import CaptureMethod, Channel, ConsentRecord, LegalBasis, Purpose


def wording(purpose: str = Purpose.NEWSLETTER, text: str = "Ja, schreiben Sie mir.") -> None:
    consent.wording_publish(purpose=purpose, text=text)


def confirmed_consent(
    stakeholder, purpose: str = Purpose.NEWSLETTER, ip: str = "203.0.113.7"
) -> ConsentRecord:
    """E-mail consent asked for and confirmed through the double opt-in."""
    if consent.wording_current(purpose) is None:
        wording(purpose)
    pending = consent.consent_record(
        stakeholder=stakeholder,
        channel=Channel.EMAIL,
        purpose=purpose,
        legal_basis=LegalBasis.CONSENT,
        method=CaptureMethod.FORM,
        user=None,
    )
    confirmed = consent.doi_confirm(pending=pending, ip_address=ip)
    assert confirmed is not None
    return confirmed


def segment(user, name: str = "Alle", **filters):
    from kam.campaigns.segments import segment_save

    return segment_save(segment=None, name=name, filters=filters, user=user)


def mailing(user, seg, purpose: str = Purpose.NEWSLETTER, **fields):
    from kam.campaigns.mailings import mailing_save
    from kam.campaigns.models import Mailing

    values = {
        "title": "Neuigkeiten",
        "subject": "Hallo {vorname}",
        "body": "Guten Tag {name},\nneue Preise für {firma}.\nIhr {betreuer}",
    } | fields
    return mailing_save(mailing=Mailing(segment=seg, purpose=purpose, **values), user=user)


def event(user, seg, capacity: int = 10, **fields):
    from datetime import timedelta

    from django.utils import timezone

    from kam.campaigns.models import Event

    start = timezone.now() + timedelta(days=10)
    values = {
        "title": "Sommerfest <2027>",
        "description": "Grillen & Werksführung",
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "place": "Werk Nord",
    } | fields
    return Event.objects.create(segment=seg, created_by=user, capacity=capacity, **values)
