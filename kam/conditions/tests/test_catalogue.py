"""The product catalogue import: German formats, headings detected, bad rows by line,
idempotent by product number, changes recorded; products missing from the catalogue."""

import datetime
from decimal import Decimal

import openpyxl
import pytest

from kam.conditions.models import Product, ProductChange, ProductGroup
from kam.conditions.products import catalogue_import, missing_products
from kam.sales.models import SalesLine
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

CSV = (
    "Artikel-Nr.;Bezeichnung;Warengruppe;ME;Listenpreis;Einstandspreis;Aktiv\n"
    "A-100;Kabel NYM 3x1,5;Elektro > Kabel > NYM;m;1.234,50;800,00;ja\n"
    "A-200;Schalter;Elektro > Schalter;Stk;12,90;;nein\n"
    "A-300;Ohne Preis;Elektro;Stk;;5,00;ja\n"
    "A-400;Negativ;Elektro;Stk;-3,00;1,00;ja\n"
    "A-500;Zu tief;A > B > C > D;Stk;3,00;1,00;ja\n"
)


def write(tmp_path, text, name="artikel.csv", encoding="cp1252"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_german_csv_is_read_with_group_tree_and_bad_rows_by_line(tmp_path):
    result = catalogue_import(path=write(tmp_path, CSV), user=None)
    assert (result.created, result.updated, result.rows) == (2, 0, 5)
    cable = Product.objects.get(number="A-100")
    assert cable.list_price == Decimal("1234.50") and cable.standard_cost == Decimal("800.00")
    assert cable.unit == "m" and cable.active
    assert [cable.group.name, cable.group.parent.name, cable.group.parent.parent.name] == [
        "NYM",
        "Kabel",
        "Elektro",
    ]
    assert cable.group.level == 3
    assert not Product.objects.get(number="A-200").active
    rejected = {row["line"]: row for row in result.rejected}
    assert set(rejected) == {4, 5, 6}
    assert rejected[4]["reason"] == "Pflichtangabe fehlt: Die Spalte „Listenpreis“ ist leer."
    assert "negativ" in rejected[5]["reason"]
    assert "höchstens 3" in rejected[6]["reason"]


def test_a_second_import_is_idempotent_and_records_changes(tmp_path):
    catalogue_import(path=write(tmp_path, CSV), user=None)
    again = catalogue_import(path=write(tmp_path, CSV), user=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = CSV.replace("1.234,50", "1.300,00")
    third = catalogue_import(path=write(tmp_path, changed), user=None)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    change = ProductChange.objects.get()
    assert change.old_values == {"list_price": "1234.50"}
    assert change.new_values == {"list_price": "1300.00"}
    assert Product.objects.count() == 2
    assert ProductGroup.objects.filter(name="Elektro").count() == 1


def test_an_xlsx_with_english_headings_is_read(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Product number", "Product name", "List price", "Cost"])
    sheet.append(["X-1", "Pumpe", 99.5, 40])
    path = tmp_path / "products.xlsx"
    book.save(path)
    result = catalogue_import(path=path, user=None)
    assert result.created == 1 and not result.error
    assert Product.objects.get(number="X-1").list_price == Decimal("99.50")


def test_a_file_without_the_required_columns_is_refused_with_a_reason(tmp_path):
    result = catalogue_import(path=write(tmp_path, "Foo;Bar\n1;2\n"), user=None)
    assert "Artikelnummer" in result.error and "Listenpreis" in result.error
    assert not Product.objects.exists()


def test_products_in_sales_lines_but_not_in_the_catalogue_are_listed(tmp_path):
    catalogue_import(path=write(tmp_path, CSV), user=None)
    account = AccountFactory()
    for number, (product, revenue) in enumerate(
        [("A-100", 1000), ("Z-9", 500), ("Z-9", 700), ("", 100)], start=1
    ):
        SalesLine.objects.create(
            account=account,
            invoice_number="R1",
            line_number=number,
            invoice_date=datetime.date(2026, 1, 5),
            invoice_month=datetime.date(2026, 1, 1),
            product_number=product,
            product_name="Unbekannt",
            quantity=Decimal(1),
            net_revenue_cents=revenue,
            currency="EUR",
        )
    assert missing_products() == [("Z-9", "Unbekannt", 2, 1200)]
