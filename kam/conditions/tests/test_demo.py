"""The demo company has the catalogue, agreements (one waiting for approval), offers with their
check, and the invoiced-price check; the conditions pages show them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from kam.conditions.models import (
    AgreedPrice,
    Agreement,
    AgreementStatus,
    Offer,
    Product,
)
from kam.conditions.products import missing_products
from kam.users.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_conditions_and_its_pages_render(client):
    call_command("demo", "--accounts", "40", "--seed", "7", stdout=io.StringIO())
    assert Product.objects.count() >= 10
    assert [number for number, *_rest in missing_products()] == ["A-1014"]
    assert Agreement.objects.filter(status=AgreementStatus.ACTIVE).exists()
    assert Agreement.objects.filter(status=AgreementStatus.REQUESTED).exists()
    assert Offer.objects.filter(number__startswith="ANG-").count() >= 1
    assert AgreedPrice.objects.exists()
    client.force_login(User.objects.get(username="leitung"))
    offer = Offer.objects.first()
    agreement = Agreement.objects.first()
    for url in (
        reverse("conditions:offer_list"),
        reverse("conditions:agreement_list"),
        reverse("conditions:price_check"),
        reverse("conditions:product_list"),
        reverse("conditions:products_missing"),
        reverse("conditions:authority"),
        reverse("conditions:offer_detail", kwargs={"pk": offer.pk}),
        reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk}),
        reverse("accounts:detail", kwargs={"pk": agreement.account_id}),
        reverse("home"),
    ):
        assert client.get(url).status_code == 200, url
