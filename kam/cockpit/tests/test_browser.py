"""The cockpit in a real browser, as each role: figures, tomorrow's top, a proposal, an export."""

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.analysis.models import ProposalState
from kam.analysis.tests.factories import add_facts, make_proposal, months_ending
from kam.cockpit.tests.factories import analysed_portfolio
from kam.sales.figures import last_complete_month
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def analysed(alice, carol):
    accounts = [
        AccountFactory(owner=carol, name="Carol Groß AG"),
        AccountFactory(owner=alice, name="Alpha Maschinen"),
        AccountFactory(owner=alice, name="Beta Logistik"),
    ]
    run, results = analysed_portfolio(accounts, revenues=[500_000, 300_000, 200_000])
    # The account page's tiles read the monthly facts (the last 12 complete months).
    last = last_complete_month(timezone.localdate())
    add_facts(accounts[2], months_ending(last, [20_000] * 10))
    return {"run": run, "accounts": accounts, "results": results}


def test_leadership_sees_company_figures_and_opens_tomorrows_top_account(page, leader, analysed):
    browser_login(page, "leader")

    assert page.inner_text("[data-figure=revenue]") == "1.000.000 €"
    assert "40,0 %" in page.inner_text("#concentration-table")  # the run's top-1 share
    page.wait_for_selector("#abc-split [data-chart-ready=true]")
    page.screenshot(path=str(ARTIFACTS / "cockpit-leadership.png"), full_page=True)

    first = page.locator("#tomorrow tbody tr").first
    assert "Beta Logistik" in first.inner_text()  # rank 3 today, 1 tomorrow
    first.locator("a").click()
    page.wait_for_selector("#account-tiles")
    assert page.inner_text("#account-tiles [data-figure=revenue]") == "200.000 €"
    page.screenshot(path=str(ARTIFACTS / "cockpit-account-360.png"), full_page=True)


def test_kam_sees_her_figures_and_confirms_a_status_proposal(page, alice, analysed):
    proposal = make_proposal(analysed["accounts"][1], analysed["run"])
    browser_login(page, "alice")

    assert page.inner_text("[data-figure=revenue]") == "500.000 €"
    assert "Carol Groß AG" not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#alert-proposals button:has-text('Bestätigen')").click()
    page.wait_for_selector(".alert-success")

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.CONFIRMED
    page.screenshot(path=str(ARTIFACTS / "cockpit-kam.png"), full_page=True)


def test_field_rep_sees_only_the_accounts_of_his_team(page, alice, bob, analysed):
    from kam.testing.factories import TeamMembershipFactory

    TeamMembershipFactory(account=analysed["accounts"][2], user=bob)
    browser_login(page, "bob")

    assert page.inner_text("[data-figure=revenue]") == "200.000 €"
    assert "Alpha Maschinen" not in page.content()
    assert page.locator("[data-figure=margin]").count() == 0  # field reps have no margins


def test_service_sees_accounts_with_stakeholders(page, sam, analysed):
    StakeholderFactory(account=analysed["accounts"][1], first_name="Greta", last_name="Einkauf")
    browser_login(page, "sam")

    table = page.inner_text("#service-table")
    assert "Alpha Maschinen" in table and "Greta Einkauf" in table
    assert "€" not in page.content()


def test_kam_downloads_the_abc_list_as_excel(page, alice, analysed):
    from openpyxl import load_workbook

    browser_login(page, "alice")
    page.click("text=ABC-Liste")
    with page.expect_download() as download_info:
        page.click("[data-export=xlsx]")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "cockpit-abc-export.xlsx"
    download.save_as(path)

    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert sorted(row[3] for row in rows[1:]) == ["Alpha Maschinen", "Beta Logistik"]
