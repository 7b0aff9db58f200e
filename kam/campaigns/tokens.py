"""Signed links that work without a login: double opt-in, unsubscribe, RSVP.

Each kind has its own salt, so a token of one kind is never accepted as another. A changed or
expired token is refused (None), never an error page with a trace.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

DOI_SALT = "kam.campaigns.doi"
UNSUBSCRIBE_SALT = "kam.campaigns.unsubscribe"
RSVP_SALT = "kam.campaigns.rsvp"
#: An RSVP link also ends with its event (checked against the event's end).
RSVP_MAX_AGE = timedelta(days=400)
DOI_MAX_AGE = timedelta(days=7)
#: An unsubscribe link stays valid long after the mail: withdrawing must be as easy as consenting.
UNSUBSCRIBE_MAX_AGE = timedelta(days=3 * 365)


def site_url(path: str) -> str:
    """A full link for a mail: KAM_BASE_URL (e.g. https://kam.example.com) and the path."""
    base = (settings.KAM_BASE_URL or "http://localhost:8000").rstrip("/")
    return base + path


def _load(token: str, *, salt: str, max_age: timedelta) -> dict | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return payload if isinstance(payload, dict) else None


def doi_token(record_id: int) -> str:
    return signing.dumps({"r": record_id}, salt=DOI_SALT)


def doi_record_id(token: str) -> int | None:
    payload = _load(token, salt=DOI_SALT, max_age=DOI_MAX_AGE)
    value = payload.get("r") if payload else None
    return value if isinstance(value, int) else None


def unsubscribe_token(*, stakeholder_id: int, purpose: str) -> str:
    return signing.dumps({"s": stakeholder_id, "p": purpose}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_payload(token: str) -> tuple[int, str] | None:
    payload = _load(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    if (
        not payload
        or not isinstance(payload.get("s"), int)
        or not isinstance(payload.get("p"), str)
    ):
        return None
    return payload["s"], payload["p"]


def rsvp_token(invitation_id: int) -> str:
    return signing.dumps({"i": invitation_id}, salt=RSVP_SALT)


def rsvp_invitation_id(token: str) -> int | None:
    payload = _load(token, salt=RSVP_SALT, max_age=RSVP_MAX_AGE)
    value = payload.get("i") if payload else None
    return value if isinstance(value, int) else None
