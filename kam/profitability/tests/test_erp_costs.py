"""The ERP's freight, packaging and special handling from the sales import in DB IV: a hand
calculation to the cent, the items behind the month, the waterfall, the export and the API,
all behind the margin permission."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from kam.accounts.models import Account
from kam.profitability import selectors, services
from kam.profitability.breakdown import month_breakdown
from kam.profitability.models import AccountStatement
from kam.profitability.tests.helpers import TODAY, contact, only_rates
from kam.profitability.views import waterfall_labels
from kam.sales.importer import import_sales
from kam.testing.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
RATES = {
    "valid_from": datetime.date(2025, 1, 1),
    "visit_minutes": 60,
    "visit_travel_minutes": 60,
    "hourly_rate_kam": Decimal("90.00"),
    "invoice_handling": Decimal("2.50"),
    "line_logistics": Decimal("0.40"),
}
EXPORT = (
    "Kundennummer;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz;DB;Frachtkosten;"
    "Verpackung;Handlingkosten\n"
    "10001;R-1;1;05.03.2026;1.000,00;300,00;25,00;4,50;\n"
    "10001;R-1;2;05.03.2026;500,00;100,00;;1,20;10,00\n"
    "10001;R-2;1;20.03.2026;2.000,00;600,00;12,34;;\n"
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def imported(tmp_path: Path, alice) -> Account:
    """The export imported for a new account of alice's, with one visit, statements current."""
    only_rates(RATES)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="cp1252")
    import_sales(paths=[path])
    account = Account.objects.get(customer_number="10001")
    account.owner = alice
    account.save(update_fields=["owner"])
    contact(account, alice, datetime.date(2026, 3, 10), "visit")
    services.statements_refresh_all()
    return account


def test_freight_packaging_and_handling_from_the_export_are_in_db4_to_the_cent(imported):
    statement = AccountStatement.objects.get(account=imported, month=MARCH)

    # By hand: 2 invoices x 2.50 + 3 lines x 0.40 = 6.20 of kam's logistics rates; the ERP
    # brought freight 25.00 + 12.34, packaging 4.50 + 1.20 and handling 10.00 = 53.04.
    assert statement.erp_cost_cents == 5304
    assert statement.service_cost_cents == 620 + 5304
    assert statement.db1_cents == 100_000
    assert statement.care_cost_cents == 18_000  # one visit: (60 + 60) min x 90.00 / h
    assert statement.db4_cents == 100_000 - 18_000 - 5924


def test_the_items_behind_the_month_list_the_erp_figures(imported):
    breakdown = month_breakdown(account=imported, month=MARCH)

    service = breakdown.stages[2]
    erp = {line.label: line.cents for line in service.lines if line.from_erp}
    assert erp == {
        "Fracht (ERP)": 3734,
        "Verpackung (ERP)": 570,
        "Sonderhandling (ERP)": 1000,
    }
    assert breakdown.up_to_date


def test_the_month_page_shows_the_erp_lines(client, alice, imported):
    client.force_login(alice)

    page = client.get(reverse("profitability:month", args=[imported.pk, 2026, 3]))

    assert page.status_code == 200
    assert "Fracht (ERP)" in page.content.decode()
    assert "37,34" in page.content.decode()


def test_the_waterfall_has_the_erp_costs_as_a_step_of_their_own(imported):
    statement = selectors.account_statement(account=imported, as_of=TODAY.date())

    chart = selectors.waterfall_chart(statement.total, waterfall_labels())

    steps = dict(zip(chart["categories"], chart["values"], strict=True))
    assert steps["Service"] == -6.2
    assert steps["Fracht, Verpackung, Handling (ERP)"] == -53.04
    assert steps["DB IV"] == (100_000 - 18_000 - 5924) / 100


def test_the_api_and_the_export_list_the_erp_part_of_the_service_cost(client, alice, imported):
    client.force_login(alice)

    body = client.get(f"/api/accounts/{imported.pk}/profitability").json()
    ranking = client.get("/api/profitability/accounts").json()
    xlsx = client.get(reverse("profitability:export", args=["accounts", "xlsx"])).content

    assert (body["total"]["service_cost"], body["total"]["erp_cost"]) == ("59.24", "53.04")
    assert ranking["items"][0]["erp_cost"] == "53.04"
    sheet = load_workbook(io.BytesIO(xlsx)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("Davon Fracht, Verpackung, Handling aus dem ERP (EUR)") + 1
    assert sheet.cell(row=2, column=column).value == pytest.approx(53.04)


def test_without_the_margin_permission_the_erp_costs_stay_hidden(client, bob, imported):
    TeamMembershipFactory(account=imported, user=bob)
    client.force_login(bob)

    month = client.get(reverse("profitability:month", args=[imported.pk, 2026, 3]))
    api = client.get(f"/api/accounts/{imported.pk}/profitability")
    export = client.get(reverse("profitability:export", args=["accounts", "csv"]))
    detail = client.get(reverse("accounts:detail", args=[imported.pk]))

    assert (month.status_code, api.status_code, export.status_code) == (403, 403, 403)
    assert b"53,04" not in detail.content and b"ERP" not in detail.content
