"""Postal code and country are checked (#13.14): a German postal code has five digits, the
country is an ISO 3166-1 alpha-2 code from kam.core.countries (no network)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kam.accounts import services
from kam.accounts.forms import AccountForm
from kam.accounts.models import Account
from kam.core.countries import COUNTRY_CODES, is_postal_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def form_data(**changes) -> dict:
    data = {
        "customer_number": "20001",
        "name": "Muster GmbH",
        "postal_code": "50667",
        "city": "Köln",
        "country": "DE",
        "status": "none",
        "tier": "",
    }
    return data | changes


def refused(**fields) -> dict:
    with pytest.raises(ValidationError) as error:
        services.account_create(customer_number="20001", name="Muster GmbH", **fields)
    return error.value.message_dict


def test_the_country_list_is_iso_3166_alpha_2():
    assert len(COUNTRY_CODES) == 249
    assert {"DE", "AT", "CH", "GB", "US"} <= COUNTRY_CODES and "X" not in COUNTRY_CODES


@pytest.mark.parametrize(
    ("postal_code", "country", "valid"),
    [
        ("50667", "DE", True),
        ("01067", "DE", True),
        ("5066", "DE", False),
        ("ABCDE-99999-XYZ", "DE", False),
        ("SW1A 1AA", "GB", True),
        ("1012 AB", "NL", True),
        ("ABCDE-99999-XYZ", "FR", False),
    ],
)
def test_postal_codes(postal_code, country, valid):
    assert is_postal_code(postal_code, country) is valid


def test_the_service_refuses_a_bad_postal_code_and_country():
    assert "fünf Ziffern" in refused(postal_code="ABCDE-99999-XYZ", country="DE")["postal_code"][0]
    assert "kein Ländercode" in refused(country="X")["country"][0]
    assert not Account.objects.exists()


def test_the_form_refuses_them_with_german_messages(alice):
    form = AccountForm(form_data(postal_code="ABCDE-99999-XYZ"), user=alice)
    assert not form.is_valid() and "fünf Ziffern" in form.errors["postal_code"][0]
    form = AccountForm(form_data(country="X"), user=alice)
    assert not form.is_valid() and "kein Ländercode" in form.errors["country"][0]


def test_the_form_takes_a_lower_case_country_and_a_foreign_postal_code(alice):
    form = AccountForm(form_data(country="at", postal_code="1010", city="Wien"), user=alice)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == "AT"
