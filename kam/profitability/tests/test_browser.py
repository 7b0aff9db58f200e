"""Leadership opens the whale curve, an over-served account and the visits behind its DB III."""

import datetime

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.accounts.models import KeyAccountStatus
from kam.profitability import services
from kam.profitability.tests.helpers import contact, ensure_defaults_of_profitability, fact
from kam.sales.figures import last_complete_month
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_whale_curve_over_served_account_and_the_visits_behind_db3(page, leader, alice):
    ensure_defaults_of_profitability()
    month = last_complete_month(timezone.localdate())
    best = AccountFactory(owner=alice, name="Beste GmbH", status=KeyAccountStatus.STRATEGIC)
    costly = AccountFactory(owner=alice, name="<i>Teuer</i> KG", status=KeyAccountStatus.NONE)
    fact(best, month, revenue="90000.00", margin="27000.00")
    fact(costly, month, revenue="2000.00", margin="400.00")
    for day in (3, 4, 5):
        contact(costly, alice, month + datetime.timedelta(days=day), "visit")
    services.statements_refresh_all()

    browser_login(page, "leader")
    page.goto(f"{page.base_url}/profitability/")
    page.wait_for_selector("#whale-chart canvas")
    assert page.locator("[data-figure='destroyers']").inner_text() == "1"
    assert "-237,50" in page.locator("[data-table='whale']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "kam-whale-curve.png"), full_page=True)

    page.click("[data-table='over-served'] >> text=<i>Teuer</i> KG")
    page.wait_for_selector("#profit-waterfall canvas")
    page.click(f"[data-month='{month:%Y-%m}']")
    care = page.locator("[data-stage='care']")
    care.wait_for()
    text = care.inner_text()
    page.screenshot(path=str(ARTIFACTS / "kam-profitability-items.png"), full_page=True)

    assert "Besuch (Key Account Manager)" in text
    assert text.count("visit ") == 3  # the three visits, each with a link
    assert "<i>" not in page.locator("h1").inner_html().replace("&lt;i&gt;", "")
