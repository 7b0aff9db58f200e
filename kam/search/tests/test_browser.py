"""In the browser: search from the top bar with the keyboard, pick a customer by typing, and
customer service's start page with its overdue complaint."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.complaints.models import Severity
from kam.complaints.tests.factories import ensure_defaults, make_complaint
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_top_bar_search_opens_a_stakeholder_with_the_keyboard(page, leader, alice):
    account = AccountFactory(owner=alice, name="Brandt Logistik GmbH")
    person = StakeholderFactory(account=account, first_name="Jürgen", last_name="Böhm")

    browser_login(page, "leader")
    page.keyboard.press("/")
    page.keyboard.type("boehm")
    option = page.locator("#kam-global-search-list [data-kind=stakeholder]").first
    option.wait_for()
    while (
        page.locator("#kam-global-search-list [role=option].active[data-kind=stakeholder]").count()
        == 0
    ):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/accounts/{account.pk}/#stakeholder-{person.pk}")
    row = page.locator(f"#stakeholder-{person.pk}")
    row.wait_for(state="visible")
    assert "Jürgen Böhm" in row.inner_text()
    assert "table-warning" in (row.get_attribute("class") or "")


def test_a_complaint_is_recorded_picking_the_customer_by_typing(page, sam, alice):
    ensure_defaults()
    for number in range(30):
        AccountFactory(owner=alice, name=f"Kunde {number}")
    account = AccountFactory(owner=alice, name="Müller Präzisionsteile", customer_number="4711")
    StakeholderFactory(account=account, first_name="Eva", last_name="Weiß")

    browser_login(page, "sam")
    page.goto(f"{page.base_url}/complaints/new/")
    page.locator("#id_account").press_sequentially("mueller praez")
    page.locator("#id_account-listbox [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_account") == "Müller Präzisionsteile (4711)"
    page.click("main button:has-text('Weiter')")

    page.wait_for_selector("#id_subject")
    page.locator("#id_stakeholder").press_sequentially("weiss")
    page.locator("#id_stakeholder-listbox [role=option]").first.click()
    page.fill("#id_subject", "Maße außerhalb der Toleranz")
    page.select_option("#id_category", label="Qualitätsmangel")
    page.fill("#id_description", "Bohrungen 0,2 mm zu groß.")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=erfasst")
    page.screenshot(path=str(ARTIFACTS / "kam-complaint-picked.png"), full_page=True)

    body = page.locator("main").inner_text()
    assert "Müller Präzisionsteile" in body and "Eva Weiß" in body


def test_services_start_page_shows_its_overdue_complaint(page, sam, alice):
    ensure_defaults()
    account = AccountFactory(owner=alice, name="Böhm Pumpen")
    overdue = make_complaint(
        account,
        sam,
        subject="Pumpe fällt aus",
        severity=Severity.HIGH,
        received_at=timezone.now() - timedelta(days=20),
    )

    browser_login(page, "sam")
    item = page.locator("#worklist [data-severity=danger]").first
    item.wait_for()

    assert overdue.number in item.inner_text() and "Böhm Pumpen" in item.inner_text()
    assert page.locator("#handled-accounts").inner_text().count("Böhm Pumpen") == 1
