"""One account, one set of figures: the header tiles, the sales tab, the API and the ABC export
show the same 12-month revenue, growth and margin, all over the same stated window (the last 12
complete months as of today), although the account has sales in the running month and a sale
dated in the future."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from kam.analysis.services import analysis_run
from kam.analysis.tests.factories import add_facts, months_ending
from kam.core.templatetags import kam as kam_filters
from kam.sales import figures
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 15)


@pytest.fixture
def account(leader):
    """24 complete months (10,000 € a month, then 9,000 €), and sales that must not count yet:
    the running November (with an invoice on the 20th, after today) and next January."""
    account = AccountFactory(name="Delta Antriebe")
    add_facts(account, months_ending(date(2026, 10, 1), [10_000] * 12 + [9_000] * 12))
    add_facts(account, {date(2026, 11, 1): 50_000, date(2027, 1, 1): 40_000})
    for index in range(6):  # a portfolio for the models to fit
        other = AccountFactory()
        add_facts(other, months_ending(date(2026, 10, 1), [1_000 * (index + 1)] * 24))
    with time_machine.travel(TODAY, tick=False):
        analysis_run(as_of=TODAY)
    return account


def _euros(text: str) -> Decimal:
    """'108.000,00 €' or '108.000 €' (German) as a Decimal."""
    return Decimal(text.replace("€", "").strip().replace(".", "").replace(",", "."))


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def _page_figures(html: str) -> dict:
    return {
        "revenue": _euros(_figure(html, "revenue")),
        "growth": _figure(html, "growth"),
        "margin_rate": _figure(html, "margin-rate"),
        "window": _figure(html, "window"),
    }


@time_machine.travel(TODAY, tick=False)
def test_header_tab_api_and_export_give_the_same_figures(client, leader, account):
    client.force_login(leader)
    page = client.get(reverse("accounts:detail", kwargs={"pk": account.pk})).content.decode()
    header = _page_figures(page[page.index('id="account-tiles"') : page.index('role="tablist"')])
    tab = _page_figures(page[page.index('id="sales"') :])
    tab_margin = _euros(_figure(page[page.index('id="sales"') :], "margin"))
    api = client.get(reverse("api:account_sales_figures", args=[account.pk])).json()
    export = client.get(reverse("cockpit:export", kwargs={"kind": "abc", "fmt": "csv"}))
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if r["Kunde"] == "Delta Antriebe")

    assert (
        header
        == tab
        == {
            "revenue": Decimal("108000"),
            "growth": "-10,0 %",
            "margin_rate": "25,0 %",
            "window": "12 Monate bis 31.10.2026",
        }
    )
    assert tab_margin == Decimal("27000")
    assert (api["revenue_12m"], api["margin_12m"]) == ("108000.00", "27000.00")
    assert round(api["growth"], 3) == -0.1 and api["margin_rate"] == 0.25
    assert api["window"]["label"] == "12 Monate bis 31.10.2026"
    assert _euros(row["Umsatz, 12 Monate (EUR)"]) == Decimal("108000")
    assert row["Wachstum (%)"] == "-10,0"
    assert _euros(row["Marge, 12 Monate (EUR)"]) == Decimal("27000")


def test_the_window_is_the_last_complete_months_as_of_a_date():
    on_the_15th = figures.window_as_of(date(2026, 11, 15))
    on_the_last_day = figures.window_as_of(date(2026, 11, 30))

    assert (on_the_15th.first_month, on_the_15th.last_month) == (
        date(2025, 11, 1),
        date(2026, 10, 1),
    )
    assert on_the_15th.end == date(2026, 10, 31)
    assert on_the_last_day.last_month == date(2026, 11, 1)
    assert on_the_15th.before().month_list[-1] == date(2025, 10, 1)


def test_growth_and_margin_rate_need_a_positive_base():
    assert figures.growth(110, 100) == pytest.approx(0.1)
    assert figures.growth(110, 0) is None and figures.growth(None, 100) is None
    assert figures.margin_rate(25, 100) == 0.25
    assert figures.margin_rate(25, 0) is None


def test_pages_round_figures_instead_of_cutting_digits_off():
    """The tab shows cents, the header whole euros: both must round the same amount alike."""
    with translation.override("de"):
        assert kam_filters.money(Decimal("1234.56"), 0) == "1.235 €"
        assert kam_filters.percent(108_000 / 120_000 - 1) == "-10,0 %"
