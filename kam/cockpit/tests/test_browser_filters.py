"""The filtered cockpit in a real browser: filtered by a manager, it shows that manager's row
of the KPI page."""

import re

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.cockpit.tests.factories import analysed_portfolio
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cockpit_filtered_by_a_manager_matches_that_managers_kpi_row(page, leader, alice, carol):
    accounts = [
        AccountFactory(owner=carol, name="Carol Groß AG"),
        AccountFactory(owner=alice, name="Alpha Maschinen"),
        AccountFactory(owner=alice, name="Beta Logistik"),
        AccountFactory(owner=carol, name="Carol Klein KG"),
    ]
    analysed_portfolio(accounts, revenues=[500_000, 300_000, 123_456, 77_000])
    browser_login(page, "leader")

    page.goto(f"{page.base_url}/cockpit/kpis/")
    row = page.locator(f"#kpi-table tr[data-owner='{alice.pk}']")
    kpi_revenue = row.locator("td").nth(2).inner_text()
    kpi_growth = row.locator("td").nth(3).inner_text()
    page.goto(f"{page.base_url}/")
    page.select_option("#f-owner", str(alice.pk))
    page.click("#cockpit-filters button[type=submit]")
    page.wait_for_url(re.compile(rf".*owner={alice.pk}.*"))

    assert page.inner_text("[data-figure=revenue]") == kpi_revenue == "423.456 €"
    assert page.inner_text("[data-figure=growth]") == kpi_growth
    assert "Carol Groß AG" not in page.inner_text("#tomorrow")
    page.wait_for_selector("#abc-split [data-chart-ready=true]")
    page.screenshot(path=str(ARTIFACTS / "cockpit-filtered-by-manager.png"), full_page=True)
