"""Cockpit filters: a filtered cockpit shows the figures of the filtered accounts, its lists,
charts and exports agree with it, and a bad parameter is a visible note, never an error."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.accounts.models import Account, KeyAccountStatus
from kam.analysis.tests.factories import add_facts, months_ending
from kam.cockpit.filters import CockpitFilters, parse_period, period_choices
from kam.sales.figures import Period
from kam.testing.factories import AccountFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db
RUN_AS_OF = date(2025, 6, 30)  # the portfolio fixture's run


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def page(client, user, name="home", **params) -> str:
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def export_rows(client, kind, **params) -> list[list[str]]:
    url = reverse("cockpit:export", kwargs={"kind": kind, "fmt": "csv"})
    text = client.get(url, params).content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_cockpit_filtered_by_a_manager_shows_that_managers_accounts_only(
    client, leader, alice, portfolio
):
    html = page(client, leader, owner=alice.pk)

    assert 'data-figure="revenue">540.000 €' in html  # 300k + 200k + 40k
    assert "Carol Groß AG" not in html and "Alpha Maschinen" in html


def test_the_filtered_cockpit_equals_the_filtered_export_and_the_kpi_row(
    client, leader, alice, portfolio
):
    html = page(client, leader, owner=alice.pk)
    kpis = page(client, leader, "cockpit:kpis")
    rows = export_rows(client, "abc", owner=alice.pk)

    revenue = sum(float(r[7].replace(",", ".")) for r in rows[1:])
    assert revenue == 540_000
    assert f'data-owner="{alice.pk}"' in kpis
    row = kpis[kpis.index(f'data-owner="{alice.pk}"') :]
    assert 'data-revenue-cents="54000000"' in row[: row.index("</tr>")]
    assert "540.000 €" in html


def test_the_charts_follow_the_filters(client, leader, alice, portfolio):
    client.force_login(leader)

    chart = json.loads(client.get(reverse("cockpit:chart_kpis"), {"owner": alice.pk}).content)

    assert chart["categories"] == [str(alice)]
    assert chart["series"][0]["data"] == [540_000.0]
    html = page(client, leader, owner=alice.pk)
    assert f'data-chart-url="/cockpit/charts/kpis.json?owner={alice.pk}"' in html


def test_a_calendar_year_reads_the_facts_of_that_year_and_compares_with_the_year_before(
    client, leader, alice, portfolio
):
    alpha, beta = portfolio["accounts"][1], portfolio["accounts"][2]
    add_facts(alpha, months_ending(date(2024, 12, 1), [1_000] * 12 + [2_000] * 12))
    add_facts(beta, months_ending(date(2024, 12, 1), [0] * 12 + [500] * 12))
    add_facts(portfolio["accounts"][0], months_ending(date(2024, 12, 1), [7_000] * 24))

    html = page(client, leader, period="2024", owner=alice.pk)
    rows = export_rows(client, "abc", period="2024", owner=alice.pk)

    assert 'data-figure="revenue">30.000 €' in html  # 24,000 + 6,000 in 2024
    assert 'data-figure="growth">150,0 %' in html  # against 12,000 in 2023
    by_name = {r[3]: r for r in rows[1:]}
    assert by_name["Alpha Maschinen"][7:10] == ["24000,00", "12000,00", "100,0"]
    assert by_name["Gamma Handel"][7] == "0,00"
    assert "01/2024–12/2024" in html


def test_rising_and_falling_accounts_follow_the_chosen_year(client, leader, portfolio):
    alpha, beta = portfolio["accounts"][1], portfolio["accounts"][2]
    add_facts(alpha, months_ending(date(2024, 12, 1), [1_000] * 12 + [2_000] * 12))
    add_facts(beta, months_ending(date(2024, 12, 1), [3_000] * 12 + [500] * 12))

    html = page(client, leader, period="2024")

    movers = html[html.index('id="movers"') : html.index('id="portfolio"')]
    rising, falling = movers.split("bi-graph-down-arrow")
    assert "Alpha Maschinen" in rising and "+12.000 €" in rising
    assert "Beta Logistik" in falling and "-30.000 €" in falling
    assert "Carol Groß AG" not in movers  # no facts in 2023 or 2024: no change


def test_a_quarter_counts_only_its_months_up_to_the_runs_last_complete_month(portfolio):
    assert parse_period("2025-Q2", as_of=RUN_AS_OF) == Period(date(2025, 4, 1), date(2025, 6, 1))
    assert parse_period("2025", as_of=RUN_AS_OF) == Period(date(2025, 1, 1), date(2025, 6, 1))
    assert parse_period("2025-Q3", as_of=RUN_AS_OF) is None  # nothing complete yet
    values = [value for value, _ in period_choices(RUN_AS_OF)]
    assert values[:4] == ["12m", "2025", "2024", "2023"] and "2025-Q2" in values
    assert "2025-Q3" not in values


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"period": "2025-Q9"}, "period"),
        ({"period": "1850"}, "period"),
        ({"owner": "12345678901234567890123"}, "owner"),
        ({"team": "-1"}, "team"),
        ({"region": "Süden"}, "region"),
        ({"status": "gold"}, "status"),
    ],
)
def test_a_bad_parameter_is_ignored_with_a_visible_note(client, leader, portfolio, params, name):
    html = page(client, leader, **params)

    assert "filter-note" in html and f"{name}=" in html
    assert 'data-figure="revenue">1.000.000 €' in html  # the unfiltered figures


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["period", "owner", "team", "region", "status"]), st.text()))
def test_any_parameters_parse_without_an_error(raw):
    filters = CockpitFilters.from_query(raw, as_of=RUN_AS_OF)

    assert filters.period == "12m" or filters.chosen_period is not None
    assert len(filters.notes) <= len(raw)


def test_region_industry_status_and_team_select_their_accounts(leader, alice, bob):
    south = AccountFactory(owner=alice, postal_code="80331", industry="Chemie")
    AccountFactory(owner=alice, postal_code="10115", status=KeyAccountStatus.KEY_ACCOUNT)
    austrian = AccountFactory(owner=bob, country="AT", postal_code="1010")
    other = AccountFactory(owner=UserFactory(role=Role.KEY_ACCOUNT_MANAGER), postal_code="81000")

    def selected(**params) -> set[int]:
        filters = CockpitFilters.from_query(params, as_of=RUN_AS_OF)
        return set(Account.objects.filter(filters.account_q()).values_list("id", flat=True))

    assert selected(region="DE-8") == {south.pk, other.pk}
    assert selected(region="at") == {austrian.pk}
    assert selected(industry="Chemie") == {south.pk}
    assert selected(status="key_account") != set() and south.pk not in selected(
        status="key_account"
    )
    assert selected(team=str(alice.pk)) == set(
        Account.objects.filter(owner__in=[alice, bob]).values_list("id", flat=True)
    )


def test_the_cache_keeps_one_rendering_per_filter(client, leader, alice, carol, portfolio):
    first = page(client, leader, owner=alice.pk)
    second = page(client, leader, owner=carol.pk)
    unfiltered = page(client, leader)

    assert 'data-figure="revenue">540.000 €' in first
    assert 'data-figure="revenue">460.000 €' in second
    assert 'data-figure="revenue">1.000.000 €' in unfiltered


def test_a_key_account_manager_cannot_filter_into_another_managers_accounts(
    client, alice, carol, portfolio
):
    html = page(client, alice, owner=carol.pk)

    assert 'data-figure="revenue">0 €' in html
    assert "Carol Groß AG" not in html


def test_the_lists_keep_the_filters_in_their_form_and_exports(client, leader, alice, portfolio):
    html = page(client, leader, "cockpit:abc", owner=alice.pk, period="2024")

    assert f'<input type="hidden" name="owner" value="{alice.pk}">' in html
    assert '<input type="hidden" name="period" value="2024">' in html
    query = urlencode({"owner": alice.pk, "period": "2024"})
    assert query.replace("&", "&amp;") in html or "period=2024" in html
    assert "Carol Groß AG" not in html


def test_the_form_offers_managers_teams_and_the_runs_periods(client, leader, alice, bob, portfolio):
    html = page(client, leader)
    form = html[
        html.index('id="cockpit-filters"') : html.index(
            "</form>", html.index('id="cockpit-filters"')
        )
    ]

    team = form[form.index('id="f-team"') :]
    assert f'<option value="{alice.pk}"' in team[: team.index("</select>")]  # bob reports to her
    assert '<option value="2025-Q2"' in form and '<option value="DE-8"' in form


@pytest.mark.parametrize(
    ("period", "name", "before"),
    [
        ("", "12 Monate", "12 Monate davor"),
        ("2024", "2024", "2023"),
        ("2025-Q1", "Q1 2025", "Q1 2024"),
        ("2025", "01/2025–06/2025", "01/2024–06/2024"),  # the year runs: its complete months
    ],
)
def test_the_figures_are_labelled_with_the_chosen_period(
    client, leader, portfolio, period, name, before
):
    params = {"period": period} if period else {}

    html = page(client, leader, **params)
    kpis = page(client, leader, "cockpit:kpis", **params)
    abc = page(client, leader, "cockpit:abc", **params)
    header = export_rows(client, "abc", **params)[0]
    chart = json.loads(client.get(reverse("cockpit:chart_abc"), params).content)

    assert f'<div class="kpi-label">Umsatz, {name}</div>' in html
    assert f'<div class="kpi-label">Marge, {name}</div>' in html
    assert f"Umsatz, {name}" in kpis and f"Umsatz, {name}" in abc
    assert f"Umsatz, {name} (EUR)" in header
    assert [s["name"] for s in chart["series"]][:2] == [f"Umsatz, {name}", f"Umsatz, {before}"]
    if period:  # the stored 12 months stay where they are shown (the portfolio, forecasts)
        split = html[html.index('id="abc-split"') : html.index('id="abc-table"')]
        assert "12 Monate" not in split


def test_a_chosen_periods_sums_are_read_once_and_the_companys_once_per_run(
    client, alice, carol, portfolio
):
    """The ABC split, the KPIs and the rising and falling accounts share one read of the
    period's sums; the company's revenue in the period (the same for everyone) is read by the
    first viewer of the run only; the portfolio matrix and tomorrow's top read none."""

    def facts_read_by(user) -> list[str]:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"), {"period": "2024"})
        assert response.status_code == 200
        return [q["sql"] for q in queries.captured_queries if "sales_monthlyfact" in q["sql"]]

    first = facts_read_by(alice)
    second = facts_read_by(carol)

    assert len(first) == 2, first  # the viewer's sums and the company's revenue
    assert len(second) == 1, second  # the viewer's sums


def test_the_alerts_assess_the_contact_cadence_of_the_filtered_accounts_only(
    client, alice, portfolio, monkeypatch
):
    from kam.activities import coverage

    assessed: list[set[int]] = []
    coverage_for = coverage.coverage_for

    def spy(accounts, **kwargs):
        accounts = list(accounts)
        assessed.append({a.pk for a in accounts})
        return coverage_for(accounts, **kwargs)

    monkeypatch.setattr(coverage, "coverage_for", spy)
    Account.objects.filter(name="Alpha Maschinen").update(status=KeyAccountStatus.KEY_ACCOUNT)
    Account.objects.filter(name="Beta Logistik").update(status=KeyAccountStatus.STRATEGIC)

    page(client, alice, status=KeyAccountStatus.KEY_ACCOUNT)

    alpha = Account.objects.get(name="Alpha Maschinen")
    assert assessed == [{alpha.pk}]
