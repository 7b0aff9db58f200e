"""DB III, DB IV and care cost per euro of revenue in the KPI table per key account manager:
the sums of the stored statements of that manager's visible accounts in the period shown, and
only for users with the margin permission (page and exports; the KPI table has no API)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.cockpit import kpis
from kam.cockpit.selectors import scope_for
from kam.profitability.models import AccountStatement
from kam.testing.factories import UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db

PROFIT_HEADERS = ("DB III (EUR)", "DB IV (EUR)", "Betreuungskosten je € Umsatz (%)")


def statement(account, month, *, revenue, db1, care, service=0, conditions=0) -> None:
    """A stored month of an account's statement (amounts in euros)."""
    db2 = db1 - conditions
    db3 = db2 - care
    AccountStatement.objects.create(
        account=account,
        month=month,
        revenue_cents=revenue * 100,
        db1_cents=db1 * 100,
        condition_cost_cents=conditions * 100,
        care_cost_cents=care * 100,
        service_cost_cents=service * 100,
        db2_cents=db2 * 100,
        db3_cents=db3 * 100,
        db4_cents=(db3 - service) * 100,
    )


@pytest.fixture
def statements(portfolio):
    """Alice: Alpha and Beta with statements in the run's 12 months (07/2024-06/2025) and one
    month long before them; Carol: her big account, DB IV below zero."""
    carol_big, alpha, beta = portfolio["accounts"][:3]
    statement(alpha, date(2024, 9, 1), revenue=10_000, db1=3_000, care=400, service=100)
    statement(alpha, date(2025, 6, 1), revenue=5_000, db1=1_500, care=300, conditions=200)
    statement(beta, date(2025, 1, 1), revenue=2_000, db1=500, care=100, service=50)
    statement(alpha, date(2023, 1, 1), revenue=99_000, db1=9_000, care=1, service=1)
    statement(carol_big, date(2025, 3, 1), revenue=8_000, db1=1_000, care=900, service=600)
    return portfolio


def rows_by_owner(user, query=None) -> dict:
    rows = kpis.kpis_by_owner(scope_for(user, query or {}), details=True)
    return {row.owner_id: row for row in rows}


def test_the_kpi_figures_are_the_statements_sums_of_the_managers_accounts(
    leader, alice, carol, statements
):
    rows = rows_by_owner(leader)

    alice_profit = rows[alice.pk].profit
    assert alice_profit.revenue_cents == 17_000_00
    assert alice_profit.db3_cents == ((3_000 - 400) + (1_500 - 200 - 300) + (500 - 100)) * 100
    assert alice_profit.db4_cents == 4_000_00 - 100_00 - 50_00
    assert alice_profit.care_cost_cents == 800_00
    assert alice_profit.care_per_revenue == pytest.approx(800 / 17_000)
    assert rows[carol.pk].profit.db4_cents == -500_00


def test_a_manager_without_statements_gets_zero_and_no_rate(leader, carol, portfolio):
    rows = rows_by_owner(leader)

    assert rows[carol.pk].profit.db4_cents == 0
    assert rows[carol.pk].profit.care_per_revenue is None


def test_a_manager_sees_the_sums_of_the_accounts_they_see_only(alice, carol, statements):
    rows = rows_by_owner(alice)

    assert set(rows) == {alice.pk}
    assert rows[alice.pk].profit.db4_cents == 3_850_00


def test_every_account_and_a_filtered_selection_sum_alike(leader, alice, carol, statements):
    # Leadership unfiltered: the sums per account first (raw SQL); filtered: the ORM's query.
    every = rows_by_owner(leader)
    filtered = rows_by_owner(leader, {"owner": str(alice.pk)})

    assert filtered[alice.pk].profit == every[alice.pk].profit
    assert carol.pk not in filtered


def test_a_chosen_period_sums_that_periods_statements(leader, alice, statements):
    rows = rows_by_owner(leader, {"period": "2025-Q2"})

    assert rows[alice.pk].profit.db4_cents == (1_500 - 200 - 300) * 100


def test_the_kpi_table_can_be_sorted_by_db_iv(client, leader, alice, carol, statements):
    client.force_login(leader)

    response = client.get(reverse("cockpit:kpis"), {"sort": "-db4"})

    assert [row.owner_id for row in response.context["kpis"]] == [alice.pk, carol.pk]


def test_the_kpi_page_shows_db_iii_db_iv_and_care_per_revenue(client, leader, alice, statements):
    client.force_login(leader)

    html = client.get(reverse("cockpit:kpis")).content.decode()

    row = html[html.index(f'data-owner="{alice.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="num" data-figure="db3">4.000 €</td>' in row
    assert 'data-figure="db4">3.850 €</td>' in row
    assert '<td class="num" data-figure="care-per-revenue">4,7 %</td>' in row
    assert "DB IV" in html and "Betreuungskosten je € Umsatz" in html


def csv_export(client, user) -> list[list[str]]:
    client.force_login(user)
    response = client.get(reverse("cockpit:export", kwargs={"kind": "kpis", "fmt": "csv"}))
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_export(client, user) -> list[list]:
    client.force_login(user)
    response = client.get(reverse("cockpit:export", kwargs={"kind": "kpis", "fmt": "xlsx"}))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_kpi_exports_have_the_statements_figures(client, leader, alice, statements):
    exported = {"csv": csv_export(client, leader), "xlsx": xlsx_export(client, leader)}
    expected = {"csv": ["4000,00", "3850,00", "4,7"], "xlsx": [4000, 3850, 0.047]}

    for fmt, rows in exported.items():
        header, body = rows[0], rows[1:]
        alice_row = dict(zip(header, next(r for r in body if r[0] == str(alice)), strict=True))
        assert [alice_row[title] for title in PROFIT_HEADERS] == expected[fmt]


def test_without_the_margin_permission_no_profitability_figure_is_shown(client, statements):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)
    client.force_login(viewer)

    html = client.get(reverse("cockpit:kpis"), {"sort": "-db4"}).content.decode()
    csv_header = csv_export(client, viewer)[0]
    xlsx_header = xlsx_export(client, viewer)[0]

    assert 'data-figure="db4"' not in html and 'data-figure="db3"' not in html
    assert "Betreuungskosten" not in html and "DB IV" not in html and "3.850" not in html
    for title in PROFIT_HEADERS:
        assert title not in csv_header and title not in xlsx_header
    assert all(row.profit is None for row in rows_by_owner(viewer).values())
