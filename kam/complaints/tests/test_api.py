"""The complaints endpoints of the JSON API: visibility as on the pages, filters, the SLA flag."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.complaints.models import Complaint
from kam.complaints.tests.factories import make_complaint
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(alice, carol):
    own = make_complaint(AccountFactory(owner=alice), alice, subject="Falsche Menge")
    late = make_complaint(AccountFactory(owner=alice), alice, severity="critical")
    Complaint.objects.filter(pk=late.pk).update(acknowledge_due=timezone.now() - timedelta(hours=1))
    foreign = make_complaint(AccountFactory(owner=carol), carol)
    return {"own": own, "late": late, "foreign": foreign}


def test_the_list_holds_the_complaints_of_visible_accounts_only(client, alice, complaints):
    client.force_login(alice)

    body = client.get(reverse("api:list_complaints")).json()

    assert body["count"] == 2
    assert {item["number"] for item in body["items"]} == {
        complaints["own"].number,
        complaints["late"].number,
    }
    own = next(item for item in body["items"] if item["id"] == complaints["own"].pk)
    assert own["subject"] == "Falsche Menge" and own["category"] == "Qualitätsmangel"
    assert own["affected_value"] == "1250.00" and own["root_cause"] is None
    assert own["status"] == "received" and own["overdue"] is False


def test_the_list_filters_like_the_page(client, alice, complaints):
    client.force_login(alice)
    url = reverse("api:list_complaints")

    overdue = client.get(url, {"overdue": "true"}).json()
    critical = client.get(url, {"severity": "critical"}).json()
    searched = client.get(url, {"q": "Falsche"}).json()

    assert [item["id"] for item in overdue["items"]] == [complaints["late"].pk]
    assert overdue["items"][0]["overdue"] is True
    assert [item["id"] for item in critical["items"]] == [complaints["late"].pk]
    assert [item["id"] for item in searched["items"]] == [complaints["own"].pk]


def test_a_complaint_on_another_managers_account_is_not_found(client, alice, leader, complaints):
    url = reverse("api:get_complaint", args=[complaints["foreign"].pk])
    client.force_login(alice)
    hidden = client.get(url)
    client.force_login(leader)
    seen = client.get(url)

    assert hidden.status_code == 404
    assert seen.status_code == 200 and seen.json()["number"] == complaints["foreign"].number


def test_money_is_a_decimal_string_with_two_places_documented_in_the_schema(client, alice):
    make_complaint(AccountFactory(owner=alice), alice, affected_value=Decimal("1234.5"))
    client.force_login(alice)

    item = client.get(reverse("api:list_complaints")).json()["items"][0]
    schema = client.get(reverse("api:openapi-json")).json()["components"]["schemas"]

    assert item["affected_value"] == "1234.50"
    field = schema["ComplaintOut"]["properties"]["affected_value"]["anyOf"][0]
    assert field["type"] == "string" and field["format"] == "decimal"
