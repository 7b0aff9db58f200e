"""The sums per calendar period an analysis run stores ahead: a filtered cockpit reads them
instead of adding up monthly facts, and they equal the facts' sums for every filter; an import
that changes the facts retires them until the next run stores new ones."""

import random
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.accounts.models import KeyAccountStatus
from kam.analysis.models import AccountResult, AnalysisRun
from kam.analysis.services import analysis_run
from kam.analysis.tests.factories import add_facts, months_ending
from kam.cockpit import kpis, selectors
from kam.sales import figures
from kam.sales.importer import import_sales
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 8, 31)  # 2025 runs to August: its year and Q3 are clipped
#: Every kind of period: the run's window, stored years and quarters (whole and clipped), and
#: a year the run did not store (older than the filter offers).
PERIODS = ["", "2025", "2024", "2023", "2025-Q3", "2025-Q2", "2024-Q1", "2022"]
#: A result's figures in the chosen period, as the cockpit annotates them.
SUMS = ("account_id", "period_revenue_cents", "period_margin_cents", "period_revenue_prev_cents")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def analysed(alice, bob, carol):
    """Twelve accounts of three owners in two industries, regions and statuses, with four
    years of facts, and a real analysis run as of AS_OF."""
    rng = random.Random(7)
    owners = [alice, bob, carol]
    accounts = []
    for i in range(12):
        account = AccountFactory(
            owner=owners[i % 3],
            customer_number=f"{10001 + i}",
            industry=["Chemie", "Handel"][i % 2],
            postal_code=f"{8 if i % 4 < 2 else 2}{i:04d}",
            status=KeyAccountStatus.KEY_ACCOUNT if i % 5 == 0 else KeyAccountStatus.NONE,
        )
        values = [rng.choice([0, rng.randint(100, 9_000)]) for _ in range(44)]
        add_facts(account, months_ending(date(2025, 8, 1), values))
        accounts.append(account)
    run, _ = analysis_run(as_of=AS_OF)
    return {"run": run, "accounts": accounts}


def figures_seen(user, query: str) -> dict:
    """What the cockpit shows for the filters: each result's sums, the ABC split, the KPI rows
    and the company's revenue (the share's divisor)."""
    scope = selectors.scope_for(user, QueryDict(query))
    rows = sorted(selectors.results(scope).values_list(*SUMS))
    split = [(c.label, c.revenue_cents, c.revenue_prev_cents, c.margin_cents) for c in
             selectors.abc_split(scope)]  # fmt: skip
    owners = [(k.owner_id, k.revenue_cents, k.revenue_prev_cents, k.margin_cents)
              for k in kpis.kpis_by_owner(scope)]  # fmt: skip
    return {
        "rows": rows,
        "split": split,
        "kpis": sorted(owners),
        "company": scope.company_revenue_cents,
        "stored": scope.stored_period,
    }


def from_facts_only(run: AnalysisRun) -> None:
    AnalysisRun.objects.filter(pk=run.pk).update(period_totals={})
    cache.clear()


def test_the_run_stores_each_offered_periods_sums_as_the_facts_add_them_up(analysed):
    run = AnalysisRun.objects.get(pk=analysed["run"].pk)
    offered = figures.calendar_periods(AS_OF)

    assert sorted(run.period_totals) == sorted(period.key for _, period in offered)
    for _value, period in offered:
        expected = list(
            AccountResult.objects.filter(run=run)
            .annotate(**figures.period_sums(period))
            .values_list(*SUMS)
        )
        stored = AccountResult.objects.filter(run=run).values_list("account_id", "period_sums")
        assert {pk: tuple(sums[period.key]) for pk, sums in stored} == {
            pk: tuple(values) for pk, *values in expected
        }
        assert run.period_totals[period.key] == figures.company_revenue(period)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize(
    "narrowing", ["", "owner", "team", "region=DE-8", "industry=Chemie", "status=key_account"]
)
def test_stored_sums_show_what_the_facts_show_for_every_filter(
    analysed, leader, alice, period, narrowing
):
    params = {"owner": f"owner={alice.pk}", "team": f"team={alice.pk}"}.get(narrowing, narrowing)
    query = "&".join(part for part in (f"period={period}" if period else "", params) if part)

    stored = figures_seen(leader, query)
    from_facts_only(analysed["run"])
    from_facts = figures_seen(leader, query)

    assert stored["stored"] == (period not in ("", "2022"))
    assert not from_facts["stored"]
    assert {**stored, "stored": None} == {**from_facts, "stored": None}
    assert stored["rows"], "the filters select some accounts"


def test_a_key_account_manager_sees_the_same_stored_sums_as_the_facts(analysed, alice):
    stored = figures_seen(alice, "period=2024&industry=Chemie")
    from_facts_only(analysed["run"])

    assert stored["stored"]
    assert stored == {**figures_seen(alice, "period=2024&industry=Chemie"), "stored": True}


def test_a_filtered_cockpit_reads_no_monthly_facts_and_matches_the_managers_kpi_row(
    client, analysed, leader, alice
):
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("home"), {"period": "2024", "owner": alice.pk}).content.decode()
    kpi_table = client.get(reverse("cockpit:kpis"), {"period": "2024"}).content.decode()

    assert not [q["sql"] for q in queries.captured_queries if "sales_monthlyfact" in q["sql"]]
    row = kpi_table[kpi_table.index(f'data-owner="{alice.pk}"') :]
    revenue = [r for a, r, *_ in figures_seen(leader, f"period=2024&owner={alice.pk}")["rows"]]
    assert f'data-revenue-cents="{sum(revenue)}"' in row[: row.index("</tr>")]
    assert 'data-figure="revenue">' in html


def import_line(tmp_path: Path, customer_number: str, day: str, euros: str) -> None:
    path = tmp_path / "nachtrag.csv"
    path.write_text(
        "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;Menge;"
        f"Nettoumsatz;DB\n{customer_number};Nachtrag;N-1;1;{day};A1;1;{euros};100,00\n",
        encoding="cp1252",
    )
    import_sales(paths=[path])


def facts_of_2024() -> dict[int, int]:
    period = figures.Period(date(2024, 1, 1), date(2024, 12, 1))
    return dict(
        AccountResult.objects.filter(run=AnalysisRun.objects.latest("pk"))
        .annotate(**figures.period_sums(period))
        .values_list(*SUMS[:2])
    )


def test_an_import_that_changes_the_facts_retires_the_stored_sums_until_the_next_run(
    tmp_path, analysed, leader
):
    account = analysed["accounts"][0]
    before = figures_seen(leader, "period=2024")

    # The month's fact is recomputed from its lines: the one imported line (the fixture's
    # facts have none behind them).
    import_line(tmp_path, account.customer_number, "15.03.2024", "1.000,00")

    after = figures_seen(leader, "period=2024")
    revenue = {pk: cents for pk, cents, *_ in after["rows"]}
    assert not after["stored"]  # stale sums would still say the old revenue
    assert revenue == facts_of_2024() and after["rows"] != before["rows"]
    period = figures.Period(date(2024, 1, 1), date(2024, 12, 1))
    assert after["company"] == figures.company_revenue(period) != before["company"]

    analysis_run(as_of=AS_OF)  # the run the import queues
    fresh = figures_seen(leader, "period=2024")
    assert fresh["stored"] and fresh["rows"] == after["rows"]
    assert fresh["company"] == after["company"]


def test_a_managers_filtered_cockpit_reads_the_scope_once(client, analysed, alice):
    """Sections, alerts and choices ask for alice's accounts some fifteen times: the recursive
    query of her scope runs once (and that of the accounts she may edit once, for the buttons
    of the status proposals)."""
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"), {"period": "2024", "industry": "Chemie"})

    assert response.status_code == 200
    scopes = [q["sql"] for q in queries.captured_queries if "RECURSIVE" in q["sql"]]
    assert len([sql for sql in scopes if "access" not in sql]) == 1
    assert len(scopes) <= 2
    assert not hasattr(alice, "_kam_scope_read_once")
