"""The model card "Wie gut ist die Prognose?" in a real browser, reached from the cockpit."""

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.analysis.tests.test_forecast_quality import choice_json
from kam.cockpit.tests.factories import analysed_portfolio
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leadership_opens_the_model_card_from_tomorrows_top(page, leader, alice, carol):
    accounts = [
        AccountFactory(owner=alice, name="Alpha <img src=x onerror=alert(1)>"),
        AccountFactory(owner=carol, name="Carols Kunde"),
    ]
    run, _results = analysed_portfolio(accounts, revenues=[300_000, 200_000])
    run.forecast_choice = choice_json(*accounts)
    run.forecast_choice["horizons"]["12"]["total_cutoffs"] = 1  # one of the two cuts judged totals
    run.save(update_fields=["forecast_choice"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, "leader")

    page.locator("#tomorrow a:has-text('Wie gut ist die Prognose?')").click()
    page.wait_for_selector("#horizon-12")

    assert page.inner_text("h1") == "Wie gut ist die Prognose?"
    assert page.inner_text("#horizon-12 [data-band-coverage]") == "81,0 %"
    assert "Kombination aller Modelle" in page.inner_text("#horizon-12")
    assert page.inner_text("#horizon-12 [data-total-cutoffs]").startswith(
        "Fehler der Summe an 1 von 2 Stichtagen beurteilt"
    )
    assert page.locator("#horizon-3 [data-total-cutoffs]").count() == 0
    assert "Alpha <img" in page.inner_text("#last-year")  # shown as text, not run
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "forecast-quality.png"), full_page=True)
