"""The pages and the API end to end: German forms, visibility, margins only with the right."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kam.conditions.models import Agreement, ConditionLine, Offer, Product
from kam.conditions.tests import factories as f
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 9, 0), tick=False):
        yield


@pytest.fixture
def account(alice, bob):
    account = AccountFactory(owner=alice, name="Müller & Söhne <b>GmbH</b>")
    TeamMembershipFactory(account=account, user=bob)
    return account


def test_an_agreement_is_created_with_german_numbers_and_tiers(client, alice, account):
    f.product("A-1", price="100.00")
    client.force_login(alice)
    response = client.post(
        reverse("conditions:agreement_create"),
        {"account": account.pk, "title": "Rahmen 2026", "valid_from": "2026-06-01"},
    )
    agreement = Agreement.objects.get()
    assert response.url == reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk})
    client.post(
        reverse("conditions:agreement_line_add", kwargs={"pk": agreement.pk}),
        {
            "kind": "net_price",
            "product_number": "A-1",
            "net_price": "1.234,50",
            "tiers": "100; 1.100,00\n500; 15 %",
        },
    )
    line = ConditionLine.objects.get()
    assert line.net_price == Decimal("1234.50")
    assert [(t.from_quantity, t.net_price, t.percent) for t in line.tiers.all()] == [
        (Decimal("100.000"), Decimal("1100.00"), None),
        (Decimal("500.000"), None, Decimal("15.00")),
    ]
    page = client.get(reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk}))
    assert "Müller &amp; Söhne &lt;b&gt;GmbH&lt;/b&gt;" in page.content.decode()


def test_a_bad_line_shows_the_reason_and_saves_nothing(client, alice, account):
    agreement = f.agreement(account, status="draft")
    client.force_login(alice)
    response = client.post(
        reverse("conditions:agreement_line_add", kwargs={"pk": agreement.pk}),
        {"kind": "discount", "percent": "120"},
        follow=True,
    )
    assert "über 100 %" in response.content.decode()
    assert not ConditionLine.objects.exists()


def test_the_account_tab_shows_conditions_except_to_customer_service(client, alice, sam, account):
    f.agreement(account, title="Sichtbar")
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", kwargs={"pk": account.pk})).content.decode()
    assert "Konditionen" in page and "Sichtbar" in page
    client.force_login(sam)
    page = client.get(reverse("accounts:detail", kwargs={"pk": account.pk})).content.decode()
    assert "Sichtbar" not in page


def test_an_offer_line_proposes_the_price_and_margins_follow_the_permission(
    client, alice, bob, account
):
    f.line(f.agreement(account), product=f.product("A-1", price="100.00"), price="87.00")
    client.force_login(alice)
    client.post(
        reverse("conditions:offer_create"),
        {"account": account.pk, "title": "Projekt", "valid_until": "2026-07-15"},
    )
    offer = Offer.objects.get()
    client.post(
        reverse("conditions:offer_line_save", kwargs={"pk": offer.pk}),
        {"product_number": "A-1", "quantity": "3"},
    )
    assert offer.lines.get().price == Decimal("87.00")
    api = client.get(reverse("api:get_offer", kwargs={"offer_id": offer.pk})).json()
    assert api["number"].startswith("ANG-2026-") and api["lines"][0]["price"] == "87.00"
    assert api["lines"][0]["margin"] == "81.00"  # (87 − 60) × 3
    client.force_login(bob)
    assert (
        client.get(reverse("api:get_offer", kwargs={"offer_id": offer.pk})).json()["lines"][0][
            "margin"
        ]
        is None
    )
    page = client.get(reverse("conditions:offer_detail", kwargs={"pk": offer.pk})).content
    assert "Marge" not in page.decode()


def test_the_resolved_price_api_explains_the_winner(client, alice, account):
    cable = f.product("A-1", price="100.00")
    f.line(f.agreement(account, title="Eigen"), product=cable, price="90.00")
    client.force_login(alice)
    url = reverse("api:resolve_price_api", kwargs={"account_id": account.pk})
    data = client.get(url, {"product": "A-1", "quantity": "5"}, HTTP_ACCEPT_LANGUAGE="de").json()
    assert data["price"] == "90.00" and data["winner"]["agreement_title"] == "Eigen"
    assert data["explanation"][0].startswith("Gewinnt")


def test_the_catalogue_is_imported_through_the_page(client, leader):
    client.force_login(leader)
    upload = ("artikel.csv", "Artikelnummer;Bezeichnung;Listenpreis\nA-9;Pumpe;1.000,00\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("conditions:product_import"),
        {"file": SimpleUploadedFile(upload[0], upload[1].encode("cp1252"))},
    )
    assert response.status_code == 200
    assert Product.objects.get(number="A-9").list_price == Decimal("1000.00")


def test_the_price_check_exports_csv_with_names_neutralised(client, leader):
    from kam.conditions.models import PriceDeviation

    account = AccountFactory(name="=HYPERLINK(1)")
    PriceDeviation.objects.create(
        account=account,
        product_number="A-1",
        month=datetime.date(2026, 3, 1),
        overcharged_lines=2,
        overcharged_cents=12_345,
        checked_at=datetime.datetime(2026, 6, 15, tzinfo=datetime.UTC),
    )
    client.force_login(leader)
    body = client.get(
        reverse("conditions:price_check_export", kwargs={"fmt": "csv"})
    ).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body and "123,45" in body
    page = client.get(reverse("conditions:price_check")).content.decode()
    assert "123,45" in page
