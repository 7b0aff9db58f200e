"""Under-served: key accounts, A accounts (by revenue, latest analysis) and accounts the latest
forecast sees rising into the top group, whose care costs less than a quarter of their
entitlement (issue #20: "A accounts or rising accounts with care far below their entitlement")."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kam.accounts.models import KeyAccountStatus
from kam.analysis.tests.factories import make_run
from kam.cockpit.tests.factories import make_result
from kam.profitability import selectors, services
from kam.profitability.tests.helpers import TODAY, fact, only_rates
from kam.sales import figures
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

MAY = datetime.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def accounts(alice):
    """Four accounts without a key-account status and without care: each is entitled to 5 %
    of its DB I (200.00 of 4,000.00) and gets nothing."""
    only_rates({"valid_from": datetime.date(2025, 1, 1), "hourly_rate_kam": Decimal("90.00")})
    named = {
        name: AccountFactory(owner=alice, name=name, status=KeyAccountStatus.NONE)
        for name in ("Aufsteiger", "A-Kunde", "Klein", "Ohne Analyse")
    }
    for account in named.values():
        fact(account, MAY, revenue="20000.00", margin="4000.00")
    services.statements_refresh_all()
    run = make_run(as_of=datetime.date(2026, 11, 30))
    make_result(run, named["Aufsteiger"], revenue=20_000, abc_revenue="C", forecast_riser=True)
    make_result(run, named["A-Kunde"], revenue=20_000, abc_revenue="A")
    make_result(run, named["Klein"], revenue=20_000, abc_revenue="C")
    return named


def ranking(user) -> dict:
    rows = selectors.profit_ranking(
        accounts=selectors.portfolio(user=user), window=figures.window_as_of(TODAY.date())
    )
    return {row.account.name: row for row in rows}


def test_rising_and_a_accounts_with_little_care_are_under_served(alice, accounts):
    rows = ranking(alice)

    assert rows["Aufsteiger"].entitlement_cents == 20_000
    assert {name for name, row in rows.items() if row.under_served} == {"Aufsteiger", "A-Kunde"}
    assert (rows["Aufsteiger"].rising, rows["Aufsteiger"].a_account) == (True, False)
    assert (rows["A-Kunde"].rising, rows["A-Kunde"].a_account) == (False, True)


def test_without_an_analysis_only_key_accounts_can_be_under_served(alice, accounts):
    from kam.analysis.models import AnalysisRun

    AnalysisRun.objects.all().delete()

    assert not any(row.under_served for row in ranking(alice).values())


def test_the_under_served_page_export_and_api_say_why(client, alice, accounts):
    client.force_login(alice)

    page = client.get(reverse("profitability:served"), {"kind": "under"})
    csv = client.get(reverse("profitability:export", args=["under", "csv"])).content.decode()
    api = client.get("/api/profitability/accounts").json()["items"]

    names = [row.account.name for row in page.context["page"].object_list]
    assert sorted(names) == ["A-Kunde", "Aufsteiger"]
    html = page.content.decode()
    assert 'data-why="rising"' in html and 'data-why="a"' in html
    header, *lines = csv.strip().splitlines()
    assert "Aufsteigend (Prognose)" in header and len(lines) == 2
    by_name = {item["name"]: item for item in api}
    assert by_name["Aufsteiger"]["rising"] is True and by_name["Aufsteiger"]["under_served"]
    assert by_name["Klein"]["under_served"] is False
