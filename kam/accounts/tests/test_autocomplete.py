"""The customer autocomplete (parent account field): answers, scoped and escaped."""

import pytest
from django.urls import reverse

from kam.testing.factories import AccountFactory


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_autocomplete_finds_visible_accounts_by_name_and_number(logged_in, alice, carol):
    parent = AccountFactory(owner=alice, customer_number="10001", name="Bergmann Holding")
    AccountFactory(owner=alice, customer_number="10002", name="Bergmann Werk", parent=parent)
    AccountFactory(owner=carol, customer_number="10003", name="Bergmann Fremd")

    by_name = logged_in.get(reverse("accounts:autocomplete"), {"q": "bergmann"})
    by_number = logged_in.get(reverse("accounts:autocomplete"), {"parent_number": "1000"})

    assert by_name.status_code == 200
    assert [o["value"] for o in by_name.context["options"]] == ["10001", "10002"]
    assert [o["value"] for o in by_number.context["options"]] == ["10001", "10002"]
    assert "Fremd" not in by_name.content.decode()


def test_autocomplete_escapes_names(logged_in, alice):
    AccountFactory(owner=alice, customer_number="666", name='X"><img src=x onerror=alert(1)>')

    response = logged_in.get(reverse("accounts:autocomplete"), {"q": "666"})

    body = response.content.decode()
    assert "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_autocomplete_without_a_query_is_empty(logged_in):
    response = logged_in.get(reverse("accounts:autocomplete"))

    assert response.status_code == 200
    assert 'role="option"' not in response.content.decode()
