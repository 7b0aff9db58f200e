"""Customer service records a complaint on an account, closes it and finds it in the Pareto."""

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.accounts.models import KeyAccountStatus
from kam.complaints.tests.factories import ensure_defaults
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_complaint_is_recorded_closed_with_a_root_cause_and_shows_in_the_pareto(page, alice):
    ensure_defaults()
    account = AccountFactory(
        owner=alice, name="Bergmann Maschinenbau", status=KeyAccountStatus.STRATEGIC
    )

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/accounts/{account.pk}/")
    page.click("button[data-bs-target='#complaints']")
    page.click("#complaints >> text=Neue Reklamation")
    page.fill("#id_subject", "Palette beim Transport beschädigt")
    page.select_option("#id_category", label="Qualitätsmangel")
    page.select_option("#id_severity", "high")
    page.fill("#id_description", "Drei Kartons eingedrückt, Ware unbrauchbar.")
    page.fill("#id_affected_value", "1.250,00")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=erfasst")
    number = page.locator("h1").inner_text().split(" ")[0]

    for step in ("Eingang bestätigen", "Analyse beginnen", "Lösung vorschlagen"):
        page.click(f"button:has-text('{step}')")
        page.wait_for_selector("text=Status auf")
    page.click("button:has-text('Als gelöst markieren')")
    page.wait_for_selector("button:has-text('Abschließen')")
    page.fill("#id_remedy_given", "Ersatzlieferung und Gutschrift")
    page.select_option("#id_root_cause", label="Transport")
    page.click("button:has-text('Abschließen')")
    page.wait_for_selector("text=Status auf „Abgeschlossen“ geändert")

    page.click("nav >> text=Reklamationen")
    page.click("text=Reklamationsanalyse")
    page.wait_for_selector("#chart-causes canvas")
    table = page.locator("#table-causes tbody tr").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "kam-complaint-pareto.png"), full_page=True)

    assert number.startswith("REK-")
    assert "Transport" in table and "1" in table
