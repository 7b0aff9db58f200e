"""The send gate's rule for every legal basis and state (pure: unsaved model instances)."""

import pytest

from kam.accounts.models import Stakeholder
from kam.campaigns.gate import Refusal, decide
from kam.campaigns.models import (
    CaptureMethod,
    ConsentRecord,
    ConsentStatus,
    LegalBasis,
    Purpose,
)

EMAIL = "einkauf@example.com"


def person(email: str = EMAIL) -> Stakeholder:
    return Stakeholder(pk=1, last_name="Muster", email=email)


def record(**fields) -> ConsentRecord:
    values = {
        "legal_basis": LegalBasis.CONSENT,
        "status": ConsentStatus.GRANTED,
        "method": CaptureMethod.DOI,
        "email": EMAIL,
    } | fields
    return ConsentRecord(**values)


UWG_ALL = {"address_from_sale": True, "similar_goods": True, "informed_of_objection": True}

CASES = [
    # (record fields or None, purpose, expected refusal or "" for allowed)
    (None, Purpose.NEWSLETTER, Refusal.NO_CONSENT),
    ({}, Purpose.NEWSLETTER, ""),
    (
        {"status": ConsentStatus.PENDING, "method": CaptureMethod.FORM},
        Purpose.NEWSLETTER,
        Refusal.DOI_UNCONFIRMED,
    ),
    ({"method": CaptureMethod.IMPORT}, Purpose.NEWSLETTER, Refusal.DOI_UNCONFIRMED),
    (
        {"status": ConsentStatus.WITHDRAWN, "method": CaptureMethod.UNSUBSCRIBE},
        Purpose.NEWSLETTER,
        Refusal.WITHDRAWN,
    ),
    ({"email": "alt@example.com"}, Purpose.NEWSLETTER, Refusal.ADDRESS_CHANGED),
    ({"email": "EINKAUF@example.com"}, Purpose.NEWSLETTER, ""),
    (
        {"legal_basis": LegalBasis.EXISTING_CUSTOMER, "method": CaptureMethod.MANAGER, **UWG_ALL},
        Purpose.PRICE_LISTS,
        "",
    ),
    (
        {"legal_basis": LegalBasis.EXISTING_CUSTOMER, "method": CaptureMethod.MANAGER, **UWG_ALL},
        Purpose.SURVEYS,
        Refusal.BASIS_NOT_FOR_PURPOSE,
    ),
    (
        {
            "legal_basis": LegalBasis.EXISTING_CUSTOMER,
            "method": CaptureMethod.MANAGER,
            **(UWG_ALL | {"similar_goods": False}),
        },
        Purpose.NEWSLETTER,
        Refusal.UWG_CONDITIONS,
    ),
    (
        {
            "legal_basis": LegalBasis.EXISTING_CUSTOMER,
            "method": CaptureMethod.MANAGER,
            **(UWG_ALL | {"address_from_sale": False}),
        },
        Purpose.EVENTS,
        Refusal.UWG_CONDITIONS,
    ),
    (
        {
            "legal_basis": LegalBasis.EXISTING_CUSTOMER,
            "method": CaptureMethod.MANAGER,
            **(UWG_ALL | {"informed_of_objection": False}),
        },
        Purpose.NEWSLETTER,
        Refusal.UWG_CONDITIONS,
    ),
    (
        {"legal_basis": LegalBasis.EXISTING_CUSTOMER, "status": ConsentStatus.WITHDRAWN, **UWG_ALL},
        Purpose.NEWSLETTER,
        Refusal.WITHDRAWN,
    ),
    (
        {"legal_basis": LegalBasis.CONTRACT, "method": CaptureMethod.MANAGER},
        Purpose.PRICE_LISTS,
        "",
    ),
    (
        {"legal_basis": LegalBasis.CONTRACT, "method": CaptureMethod.MANAGER},
        Purpose.EVENTS,
        Refusal.BASIS_NOT_FOR_PURPOSE,
    ),
]


@pytest.mark.parametrize(("fields", "purpose", "expected"), CASES)
def test_the_gate_for_every_basis_and_state(fields, purpose, expected):
    decision = decide(person(), record(**fields) if fields is not None else None, purpose)
    assert decision.allowed is (expected == "")
    assert decision.reason == expected


@pytest.mark.parametrize("email", ["", "   "])
def test_without_an_address_nobody_is_mailed_whatever_the_consent(email):
    decision = decide(person(email), record(), Purpose.NEWSLETTER)
    assert (decision.allowed, decision.reason) == (False, Refusal.NO_EMAIL)
    assert decision.reason_label == "Keine E-Mail-Adresse"
