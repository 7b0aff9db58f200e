"""A key account manager records a referral in the browser, follows it up until the prospect
becomes a customer, and after its first invoice is imported sees the multiplier value on the
referrer's page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.sales.importer import import_sales
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz;DB\n"


def test_a_referral_becomes_a_customer_and_its_margin_counts_for_the_referrer(
    page, alice, tmp_path
):
    referrer = AccountFactory(owner=alice, name="Empfehler <i>AG</i>")
    today = timezone.localdate()
    received = (today.replace(day=1) - timedelta(days=40)).replace(day=3)

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/accounts/{referrer.pk}/")
    page.click("text=Empfehlungen und Referenzen")
    page.click("text=Empfehlung erfassen")
    page.fill("#id_prospect_name", "Neukunde GmbH")
    page.fill("#id_prospect_number", "40711")
    page.fill("#id_contact_last_name", "Yılmaz")
    page.fill("#id_received_on", received.isoformat())
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=Empfehlung erfasst.")
    for status in ("contacted", "customer"):
        page.select_option("#id_to_status", status)
        page.click("button:has-text('Status ändern')")
        page.wait_for_selector("text=Status geändert.")
    assert "Kunde geworden" in page.inner_text("main") or "Kunde geworden" in page.content()

    invoice_day = (received + timedelta(days=10)).strftime("%d.%m.%Y")
    export = tmp_path / "umsatz.csv"
    export.write_text(HEADER + f"40711;Neukunde GmbH;R-1;1;{invoice_day};10.000,00;2.500,00\n")
    import_sales(paths=[export])

    page.goto(f"{page.base_url}/accounts/{referrer.pk}/")
    page.click("text=Empfehlungen und Referenzen")
    panel = page.locator("#referrals").inner_text()
    assert "2.500 €" in panel and "Neukunde GmbH" in panel
    page.screenshot(path=str(ARTIFACTS / "referral-multiplier.png"), full_page=True)


def test_a_kam_edits_a_whitespace_cell_of_a_group(page, alice):
    from kam.conditions.tests.factories import group_path
    from kam.referrals.models import Competitor

    group = AccountFactory(owner=alice, name="Konzern AG")
    AccountFactory(owner=alice, parent=group, name="Tochter GmbH")
    antriebe = group_path("Antriebe")
    Competitor.objects.create(name="Rivale <script>x</script> GmbH")

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/referrals/whitespace/{group.pk}/")
    page.click(f"a[href='/referrals/whitespace/{group.pk}/{antriebe.pk}/']")
    page.fill("#id_potential_estimate", "250000")
    page.select_option("#id_competitor", label="Rivale <script>x</script> GmbH")
    page.fill("#id_blocked_reason", "Rahmenvertrag bis Ende 2027")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=Gespeichert.")

    grid = page.locator("table.whitespace").inner_text()
    assert "250.000 €" in grid and "Rivale <script>x</script> GmbH" in grid
    assert "Rahmenvertrag bis Ende 2027" in grid and "Schätzung" in grid
    page.screenshot(path=str(ARTIFACTS / "whitespace-grid.png"), full_page=True)
