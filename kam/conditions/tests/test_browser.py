"""A key account manager writes an agreement for one plant of a group, leadership approves it,
then an offer to the sister plant runs into the group conflict, is fixed and sent."""

from decimal import Decimal

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.conditions.models import Agreement, AgreementStatus, Offer, OfferStatus
from kam.conditions.tests import factories as f
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agreement_approved_then_an_offer_fixed_for_the_group_conflict_and_sent(
    page, alice, leader
):
    top = AccountFactory(owner=alice, name="Nordstahl Gruppe")
    kiel = AccountFactory(owner=alice, name="Nordstahl Kiel", parent=top)
    ulm = AccountFactory(owner=alice, name="Nordstahl Ulm", parent=top)
    f.product("A-1", price="100.00", cost="60.00", name="Kabeltrommel")

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/conditions/agreements/new/?account={kiel.pk}")
    page.fill("#id_title", "Rahmenvertrag Kiel")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=als Entwurf angelegt")
    page.select_option("#id_kind", "net_price")
    page.fill("#id_product_number", "A-1")
    page.fill("#id_net_price", "80,00")
    page.click("button:has-text('Kondition hinzufügen')")
    page.wait_for_selector("text=Die Kondition wurde hinzugefügt")
    page.click("button:has-text('Freigabe beantragen')")
    page.wait_for_selector("text=Freigabe bei")  # 20 % is beyond alice's 10 %: leadership
    agreement = Agreement.objects.get()
    assert agreement.status == AgreementStatus.REQUESTED and agreement.approver == leader

    page.context.clear_cookies()
    browser_login(page, "leader")
    page.goto(f"{page.base_url}/conditions/agreements/{agreement.pk}/")
    page.click("button:has-text('Freigeben')")
    page.wait_for_selector("text=Die Vereinbarung wurde freigegeben")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE

    page.goto(f"{page.base_url}/conditions/offers/new/?account={ulm.pk}")
    page.fill("#id_title", "Kabeltrommeln 2026")
    page.click("button:has-text('Speichern')")
    page.fill("#id_product_number", "A-1")
    page.fill("#id_quantity", "10")
    page.fill("#id_price", "95,00")
    page.click("button:has-text('Position hinzufügen')")
    page.wait_for_selector(".finding-group_conflict")
    assert "Nordstahl Kiel" in page.locator(".finding-group_conflict").inner_text()
    assert page.locator("#send-offer").is_disabled()

    page.fill(".line-price", "80,00")
    page.click(".line-save")
    page.wait_for_selector("text=Die Angebotsprüfung hat nichts gefunden")
    page.click("#send-offer")
    page.wait_for_selector("text=Das Angebot wurde versendet")
    page.screenshot(path=str(ARTIFACTS / "kam-offer-sent.png"), full_page=True)
    offer = Offer.objects.get()
    assert offer.status == OfferStatus.SENT and offer.lines.get().price == Decimal("80.00")
    assert offer.number.startswith("ANG-")
