"""A key account manager's first minutes in kam, in a real browser."""

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kam_searches_opens_an_account_sees_the_org_chart_and_not_other_accounts(
    page, alice, carol
):
    account = AccountFactory(owner=alice, customer_number="10001", name="Bergmann Maschinenbau")
    AccountFactory(owner=alice, customer_number="10002", name="Hansa Logistik")
    boss = StakeholderFactory(
        account=account, first_name="Anna", last_name="Chefin", position="Geschäftsführerin"
    )
    StakeholderFactory(account=account, first_name="Jan", last_name="Einkäufer", reports_to=boss)
    foreign = AccountFactory(owner=carol, name="Fremdkunde AG")

    browser_login(page, "alice")
    page.click("text=Kunden")
    # htmx binds the search box when the page has loaded: typing earlier sends no request.
    page.wait_for_load_state("load")
    page.fill("#id_q", "Bergmann")
    page.wait_for_function("() => !document.body.innerText.includes('Hansa Logistik')")
    page.click("text=Bergmann Maschinenbau")
    page.click("button:has-text('Organigramm')")
    page.wait_for_selector("#orgchart.show.active .org-chart")

    chart = page.locator(".org-chart")
    assert chart.is_visible()
    assert "Anna Chefin" in chart.inner_text()
    nested = chart.locator("li ul li").first.inner_text()
    assert "Jan Einkäufer" in nested

    page.screenshot(path=str(ARTIFACTS / "kam-org-chart.png"), full_page=True)

    response = page.goto(f"{page.base_url}/accounts/{foreign.pk}/")
    assert response.status == 404
    assert "Nicht gefunden" in page.content()
