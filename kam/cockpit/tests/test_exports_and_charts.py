"""Exports and chart JSON: the same scope and margin rule as the pages, formulas neutralised."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from kam.testing.factories import AccountFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db


def export(client, user, kind, fmt, **params):
    client.force_login(user)
    response = client.get(reverse("cockpit:export", kwargs={"kind": kind, "fmt": fmt}), params)
    assert response.status_code == 200
    return response


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_abc_csv_has_the_visible_accounts_with_margins(client, alice, portfolio):
    rows = csv_rows(export(client, alice, "abc", "csv"))

    header, body = rows[0], rows[1:]
    assert "Marge, 12 Monate (EUR)" in header
    assert sorted(r[3] for r in body) == ["Alpha Maschinen", "Beta Logistik", "Gamma Handel"]
    alpha = next(r for r in body if r[3] == "Alpha Maschinen")
    assert "300000,00" in alpha


def test_exports_have_no_margin_columns_without_the_permission(client, portfolio):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)

    for kind in ("abc", "tomorrow", "kpis"):
        for header in (
            csv_rows(export(client, viewer, kind, "csv"))[0],
            xlsx_rows(export(client, viewer, kind, "xlsx"))[0],
        ):
            assert not [title for title in header if "arg" in title.lower()], (kind, header)


def test_formula_like_names_are_neutralised(client, alice, portfolio):
    account = portfolio["accounts"][1]
    account.name = '=HYPERLINK("http://evil")'
    account.save()

    csv_body = csv_rows(export(client, alice, "tomorrow", "csv"))[1:]
    xlsx_body = xlsx_rows(export(client, alice, "tomorrow", "xlsx"))[1:]

    assert '\'=HYPERLINK("http://evil")' in [r[3] for r in csv_body]
    # In XLSX the name is a string cell: never evaluated, and no apostrophe to see (#13.8).
    assert '=HYPERLINK("http://evil")' in [r[3] for r in xlsx_body]


def test_xlsx_text_cells_are_strings_not_formulas(client, alice, portfolio):
    account = portfolio["accounts"][1]
    account.name = "\uff1dHYPERLINK(1)"
    account.save()
    portfolio["accounts"][2].name = '=HYPERLINK("http://evil")'
    portfolio["accounts"][2].save()

    response = export(client, alice, "tomorrow", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert {cell.data_type for cell in names} == {"s"}
    csv_names = [r[3] for r in csv_rows(export(client, alice, "tomorrow", "csv"))[1:]]
    assert "'\uff1dHYPERLINK(1)" in csv_names


@pytest.mark.parametrize("kind", ["abc", "tomorrow", "kpis"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_control_characters_in_stored_names_do_not_break_exports(
    client, leader, portfolio, kind, fmt
):
    # PostgreSQL stores no NUL in text at all; SQLite does, so there both kinds are tried.
    nul = "" if connection.vendor == "postgresql" else "\x00"
    account = portfolio["accounts"][0]
    account.name = f"Alpha{nul} Maschinen\x1f\x07"
    account.save()
    alice = account.owner
    alice.last_name = f"M{nul}\x1fller"
    alice.save()

    response = export(client, leader, kind, fmt)
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    text = repr(rows)
    assert "\\x00" not in text and "\\x1f" not in text
    if kind != "kpis":
        assert "Alpha Maschinen" in [r[3] for r in rows[1:]]


def test_export_keeps_the_list_filters(client, leader, portfolio):
    body = xlsx_rows(export(client, leader, "abc", "xlsx", abc="C"))[1:]

    assert sorted(r[5] for r in body) == ["C", "C", "C"]


def test_kpi_export_has_one_row_per_manager(client, leader, alice, carol, portfolio):
    body = csv_rows(export(client, leader, "kpis", "csv"))[1:]

    assert sorted(r[0] for r in body) == sorted([str(alice), str(carol)])


def test_unknown_export_is_not_found(client, leader):
    client.force_login(leader)

    response = client.get(reverse("cockpit:export", kwargs={"kind": "abc", "fmt": "pdf"}))

    assert response.status_code == 404


def chart(client, user, name, **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200
    return response.json()


def test_abc_chart_has_the_same_figures_as_the_page(client, leader, portfolio):
    data = chart(client, leader, "cockpit:chart_abc")

    assert data["categories"] == ["A", "B", "C"]
    assert data["series"][0]["data"] == [400_000.0, 300_000.0, 300_000.0]
    assert len(data["series"]) == 3  # revenue, revenue before, margin


def test_charts_leave_out_margins_without_the_permission(client, portfolio):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)

    abc = chart(client, viewer, "cockpit:chart_abc")
    kpis = chart(client, viewer, "cockpit:chart_kpis")
    account = chart(client, viewer, "cockpit:chart_account", pk=portfolio["accounts"][0].pk)

    assert len(abc["series"]) == 2 and len(kpis["series"]) == 2
    assert "margin" not in account["series"] and "forecast_margin" not in account["series"]


def test_portfolio_chart_shows_only_visible_accounts(client, alice, portfolio):
    data = chart(client, alice, "cockpit:chart_portfolio")

    assert sorted(p["name"] for p in data["points"]) == [
        "Alpha Maschinen",
        "Beta Logistik",
        "Gamma Handel",
    ]


def test_lorenz_chart_is_leaderships(client, leader, alice, portfolio):
    assert chart(client, leader, "cockpit:chart_lorenz")["points"] == [[0, 0], [0.5, 0.2], [1, 1]]
    client.force_login(alice)
    assert client.get(reverse("cockpit:chart_lorenz")).status_code == 404


def test_account_chart_has_history_and_twelve_forecast_months(client, alice, portfolio):
    from kam.analysis.tests.factories import add_facts, months_ending

    alpha = portfolio["accounts"][1]
    add_facts(alpha, months_ending(portfolio["run"].as_of.replace(day=1), [1000] * 24))

    data = chart(client, alice, "cockpit:chart_account", pk=alpha.pk)

    assert len(data["months"]) == 36
    assert data["series"]["revenue"][:24] == [1000.0] * 24
    assert data["series"]["forecast"][24:] == [27500.0] * 12  # 330,000 € / 12
    assert data["months"][24] == "07/2025"


@pytest.mark.parametrize(
    "name",
    ["cockpit:chart_abc", "cockpit:chart_lorenz", "cockpit:chart_portfolio", "cockpit:chart_kpis"],
)
def test_chart_query_count_is_bounded(client, leader, name, django_assert_max_num_queries):
    from kam.cockpit.tests.factories import analysed_portfolio

    analysed_portfolio([AccountFactory() for _ in range(30)])
    client.force_login(leader)

    with django_assert_max_num_queries(8):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("kind", ["abc", "tomorrow", "kpis"])
def test_xlsx_exports_are_spreadsheets_people_can_use(client, leader, portfolio, kind):
    response = export(client, leader, kind, "xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    first = {title: cell for title, cell in zip(header, sheet[2], strict=True)}
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert workbook.properties.title.startswith(sheet.title) and sheet.title != "Sheet"
    assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    assert first["Umsatz, 12 Monate (EUR)"].number_format == '#,##0.00 "€";-#,##0.00 "€"'
    assert first["Wachstum (%)"].number_format == "0.0 %"
    assert -1 <= first["Wachstum (%)"].value <= 10  # a fraction, shown as percent by Excel
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_exported_percentages_are_the_pages_rounded_half_up(client, leader, portfolio):
    result = portfolio["results"][1]
    result.revenue_prev_12m_cents, result.revenue_12m_cents = 800_000, 890_000  # +11.25 %
    result.save()  # half-even would give 11,2

    rows = csv_rows(export(client, leader, "abc", "csv"))
    sheet = load_workbook(io.BytesIO(export(client, leader, "abc", "xlsx").content)).active

    growth = rows[0].index("Wachstum (%)")
    alpha = next(r for r in rows[1:] if r[3] == "Alpha Maschinen")
    cell = next(r[growth] for r in sheet.iter_rows(min_row=2) if r[3].value == "Alpha Maschinen")
    assert alpha[growth] == "11,3"
    assert cell.value == pytest.approx(0.113)
