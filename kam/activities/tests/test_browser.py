"""A key account manager logs a visit on a tablet-sized page and works on the account plan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.accounts.models import Account, KeyAccountStatus
from kam.activities.models import Activity, PlanAction
from kam.activities.tests.factories import AccountPlanFactory
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_logging_a_visit_clears_the_overdue_account_and_an_action_joins_the_plan(page, alice):
    account = AccountFactory(
        owner=alice, name="Bergmann Maschinenbau", status=KeyAccountStatus.STRATEGIC
    )
    # Under the strategic cadence since two months, never visited: overdue.
    Account.objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=60))
    plan = AccountPlanFactory(account=account, title="Account-Plan Bergmann")

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/activities/coverage/")
    assert "Bergmann Maschinenbau" in page.locator("#overdue-accounts").inner_text()

    page.click("#overdue-accounts >> text=Bergmann Maschinenbau")
    page.click("button[data-bs-target='#contacts']")
    page.wait_for_selector("#contacts.show.active .quick-entry")
    page.select_option("#contacts #id_kind", "visit")
    page.fill("#contacts #id_subject", "Besuch Einkauf")
    page.fill("#contacts #id_outcome", "Rahmenvertrag verlängert")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    page.screenshot(path=str(ARTIFACTS / "kam-quick-entry.png"), full_page=True)
    page.click("#contacts button:has-text('Kontakt speichern')")
    page.wait_for_selector("text=Kontakt gespeichert.")
    assert Activity.objects.filter(account=account, status="done", kind="visit").exists()

    page.goto(f"{page.base_url}/activities/coverage/")
    overdue = page.locator("#overdue-accounts").inner_text()
    assert "Bergmann Maschinenbau" not in overdue
    assert "Kein Kunde ist überfällig" in overdue

    page.goto(f"{page.base_url}/accounts/{account.pk}/")
    page.click("button[data-bs-target='#plan']")
    page.click("#plan >> text=Account-Plan öffnen")
    page.wait_for_url(f"**/activities/plans/{plan.pk}/")
    page.click("#add-action")
    page.wait_for_url("**/action/new/")
    page.fill("#id_title", "Jahresgespräch mit der Geschäftsführung")
    page.locator("#id_owner").press_sequentially(alice.last_name[:4])  # the type-ahead picker
    page.locator("#id_owner-listbox [role=option]").first.click()
    page.fill("#id_due_date", "2030-03-31")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("text=Account-Plan aktualisiert.")

    assert "Jahresgespräch mit der Geschäftsführung" in page.locator("#plan-actions").inner_text()
    assert PlanAction.objects.get(plan=plan).owner == alice
    page.screenshot(path=str(ARTIFACTS / "kam-account-plan.png"), full_page=True)
