"""The optional ERP cost columns (freight, packaging, special handling) end to end in the
import: recognised headings, exact cents on the line and in the monthly facts, bad values
rejected like other amounts, corrections recorded."""

from pathlib import Path

import pytest

from kam.sales.importer import import_sales
from kam.sales.models import MonthlyFact, SalesLine, SalesLineChange
from kam.sales.reading import detect_mapping
from kam.sales.tests.facts import facts_from_lines, stored_facts
from kam.sales.tests.spools import record_spools

pytestmark = pytest.mark.django_db

HEADER = (
    "Kundennummer;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz;DB;Fracht;Verpackung;"
    "Sonderhandling\n"
)
EXPORT = (
    "10001;R-1;1;05.03.2026;1.000,00;300,00;25,00;4,50;\n"
    "10001;R-1;2;05.03.2026;500,00;100,00;;1,20;10,00\n"
    "10001;R-2;1;20.03.2026;2.000,00;600,00;12,34;;\n"
)


def write(tmp_path: Path, body: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="cp1252")
    return path


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Frachtkosten", "freight"),
        ("Fracht EUR", "freight"),
        ("Freight Cost", "freight"),
        ("Verpackung", "packaging"),
        ("Packaging", "packaging"),
        ("Sonderhandling", "handling"),
        ("Handlingkosten", "handling"),
        ("Special Handling", "handling"),
    ],
)
def test_erp_cost_headings_are_recognised_in_german_and_english(heading, field):
    headings = ["Kundennummer", "Rechnungsnummer", "Datum", "Umsatz", "Kosten", heading]
    mapping = detect_mapping(headings)
    assert mapping[field] == heading
    assert mapping["cost"] == "Kosten"  # the cost of goods stays what it was


def test_erp_costs_are_stored_to_the_cent_and_summed_into_the_facts(tmp_path):
    report, _record = import_sales(paths=[write(tmp_path, EXPORT)])

    assert (report.imported, len(report.rejected)) == (3, 0)
    lines = {
        (line.invoice_number, line.line_number): (
            line.freight_cents,
            line.packaging_cents,
            line.handling_cents,
        )
        for line in SalesLine.objects.all()
    }
    assert lines == {
        ("R-1", 1): (2500, 450, None),
        ("R-1", 2): (None, 120, 1000),
        ("R-2", 1): (1234, None, None),
    }
    fact = MonthlyFact.objects.get()
    assert (fact.freight_cents, fact.packaging_cents, fact.handling_cents) == (3734, 570, 1000)
    assert stored_facts() == facts_from_lines()


def test_a_file_without_the_columns_leaves_them_empty(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(
        "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n10001;R-9;05.03.2026;10,00\n",
        encoding="cp1252",
    )
    import_sales(paths=[path])

    line = SalesLine.objects.get()
    assert (line.freight_cents, line.packaging_cents, line.handling_cents) == (None, None, None)
    fact = MonthlyFact.objects.get()
    assert (fact.freight_cents, fact.packaging_cents, fact.handling_cents) == (0, 0, 0)


def test_a_bad_freight_value_is_rejected_with_its_line_and_field(tmp_path):
    body = EXPORT + "10001;R-3;1;21.03.2026;100,00;10,00;12,3x;;\n"

    report, _record = import_sales(paths=[write(tmp_path, body)])

    assert report.imported == 3
    [rejected] = report.rejected
    assert (rejected["line"], rejected["column"], rejected["value"]) == (5, "Fracht", "12,3x")
    assert "Fracht" in rejected["reason"] and "12,3x" in rejected["reason"]
    assert not SalesLine.objects.filter(invoice_number="R-3").exists()


def test_a_changed_freight_value_is_recorded_as_a_correction(tmp_path):
    import_sales(paths=[write(tmp_path, EXPORT)])
    corrected = EXPORT.replace("25,00;4,50;", "30,00;4,50;")

    report, record = import_sales(paths=[write(tmp_path, corrected, "corrected.csv")])

    assert (report.updated, report.unchanged) == (1, 2)
    change = SalesLineChange.objects.get(sales_import=record)
    assert change.old_values["freight_cents"] == 2500
    assert change.new_values["freight_cents"] == 3000
    assert MonthlyFact.objects.get().freight_cents == 3734 + 500
    assert stored_facts() == facts_from_lines()


def test_reimporting_with_the_erp_costs_changes_nothing(tmp_path):
    path = write(tmp_path, EXPORT)
    import_sales(paths=[path])
    before = (list(SalesLine.objects.values().order_by("id")), stored_facts())

    report, _record = import_sales(paths=[path])

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 3)
    assert (list(SalesLine.objects.values().order_by("id")), stored_facts()) == before


def test_a_key_repeated_with_another_freight_is_a_conflict_not_a_duplicate(tmp_path):
    body = EXPORT + "10001;R-1;1;05.03.2026;1.000,00;300,00;26,00;4,50;\n"

    report, _record = import_sales(paths=[write(tmp_path, body)])

    assert report.imported == 3
    assert report.duplicates_in_file == 0
    assert [r["line"] for r in report.rejected] == [5]
    assert SalesLine.objects.get(invoice_number="R-1", line_number=1).freight_cents == 2500


@pytest.mark.django_db(transaction=True)
def test_spooled_files_with_and_without_the_columns_keep_their_costs(tmp_path, monkeypatch):
    """As an import runs in production (outside a transaction the chunks go through a spool):
    a file with the columns and one without, in one import."""
    spools = record_spools(monkeypatch)
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n10002;R-9;05.03.2026;10,00\n",
        encoding="cp1252",
    )

    report, _record = import_sales(paths=[write(tmp_path, EXPORT), plain])

    assert spools and report.imported == 4
    assert _costs_by_line() == {
        ("R-1", 1): (2500, 450, None),
        ("R-1", 2): (None, 120, 1000),
        ("R-2", 1): (1234, None, None),
        ("R-9", 1): (None, None, None),
    }
    assert stored_facts() == facts_from_lines()


def _costs_by_line() -> dict:
    return {
        (line.invoice_number, line.line_number): (
            line.freight_cents,
            line.packaging_cents,
            line.handling_cents,
        )
        for line in SalesLine.objects.all()
    }
