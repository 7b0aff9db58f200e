"""Recognising columns from German and English headings, duplicates and overrides."""

from __future__ import annotations

import pytest

from kam.sales.reading import FileRefused, detect_mapping, open_sales_file
from kam.sales.reading.mapping import SYNONYMS, normalize_heading, unique_headings

GERMAN = {
    "customer_number": [
        "Kundennummer",
        "Kunden-Nr.",
        "Kundennr",
        "KdNr",
        "Debitor",
        "Debitorennummer",
    ],
    "customer_name": ["Kunde", "Kundenname", "Name 1"],
    "invoice_number": ["Rechnungsnummer", "Rechnungs-Nr.", "Belegnummer", "Beleg-Nr.", "Faktura"],
    "line_number": ["Position", "Pos.", "Positionsnummer"],
    "invoice_date": ["Rechnungsdatum", "Belegdatum", "Fakturadatum", "Datum"],
    "product_number": ["Artikelnummer", "Artikel-Nr.", "Material"],
    "product_name": ["Artikelbezeichnung", "Bezeichnung"],
    "quantity": ["Menge"],
    "net_revenue": ["Nettoumsatz", "Umsatz netto", "Nettobetrag", "Netto", "Umsatz"],
    "contribution_margin": ["Deckungsbeitrag", "DB", "DB I", "Rohertrag"],
    "cost": ["Wareneinsatz", "Einstandswert", "Kosten"],
    "currency": ["Währung", "WAEHRUNG"],
    "sales_rep": ["Vertreter", "Verkäufer", "Außendienst", "Aussendienst"],
}
ENGLISH = {
    "customer_number": ["Customer Number", "customer no", "Customer ID", "Customer #"],
    "customer_name": ["Customer Name"],
    "invoice_number": ["Invoice Number", "Invoice No."],
    "line_number": ["Line", "Item", "Position"],
    "invoice_date": ["Invoice Date", "Date"],
    "product_number": ["Product Number", "SKU", "Item Number"],
    "product_name": ["Product Name", "Description"],
    "quantity": ["Quantity", "Qty"],
    "net_revenue": ["Net Revenue", "Net Amount", "Revenue", "Sales"],
    "contribution_margin": ["Contribution Margin", "Margin", "Gross Profit"],
    "cost": ["Cost", "COGS"],
    "currency": ["Currency"],
    "sales_rep": ["Sales Rep", "Salesperson"],
}
CASES = [
    (field, heading) for table in (GERMAN, ENGLISH) for field, hs in table.items() for heading in hs
]


@pytest.mark.parametrize(("field", "heading"), CASES)
def test_each_known_heading_maps_to_its_field(field, heading):
    assert detect_mapping([heading]) == {field: heading}


def test_no_heading_belongs_to_two_fields():
    owners: dict[str, str] = {}
    for field, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            assert owners.setdefault(normalize_heading(synonym), field) == field, synonym


def test_normalization_ignores_case_space_and_punctuation():
    assert normalize_heading(" Kunden-Nr. ") == normalize_heading("KUNDENNR") == "kundennr"
    assert normalize_heading("Währung") == normalize_heading("Waehrung")


def test_better_synonym_wins_over_column_order():
    headings = ["Datum", "Umsatz", "Rechnungsdatum", "Nettoumsatz"]

    mapping = detect_mapping(headings)

    assert mapping == {"invoice_date": "Rechnungsdatum", "net_revenue": "Nettoumsatz"}


def test_customer_number_and_name_are_told_apart():
    mapping = detect_mapping(["Kunde", "Kundennummer", "Name 1"])

    assert mapping == {"customer_number": "Kundennummer", "customer_name": "Kunde"}


def test_headings_with_units_are_recognised():
    mapping = detect_mapping(["Nettoumsatz EUR", "Menge (Stk)", "Wareneinsatz in €"])

    assert mapping == {
        "quantity": "Menge (Stk)",
        "net_revenue": "Nettoumsatz EUR",
        "cost": "Wareneinsatz in €",
    }


def test_unknown_headings_are_not_mapped():
    assert detect_mapping(["Bemerkung", "Lagerort", ""]) == {}


def test_duplicate_and_blank_headings_become_unique():
    assert unique_headings(["Datum", "", "Datum", " Datum "]) == [
        "Datum",
        "Spalte 2",
        "Datum (2)",
        "Datum (3)",
    ]


def write(tmp_path, text):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_heading_in_a_file_maps_the_first_and_can_be_overridden(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Datum;Netto\n1;R1;01.01.2025;02.02.2025;5\n")

    detected = open_sales_file(path)
    overridden = open_sales_file(path, mapping_overrides={"invoice_date": "Datum (2)"})

    assert detected.headings == ["Kdnr", "Beleg", "Datum", "Datum (2)", "Netto"]
    assert next(detected.rows()).invoice_date.month == 1
    assert next(overridden.rows()).invoice_date.month == 2


def test_override_maps_an_unknown_heading(tmp_path):
    path = write(tmp_path, "Konto;Beleg;Datum;Betrag\n1;R1;01.01.2025;5\n")

    sales_file = open_sales_file(
        path, mapping_overrides={"customer_number": "Konto", "net_revenue": "Betrag"}
    )

    assert sales_file.mapping == {
        "customer_number": "Konto",
        "invoice_number": "Beleg",
        "invoice_date": "Datum",
        "net_revenue": "Betrag",
    }
    assert next(sales_file.rows()).net_revenue_cents == 500


def test_override_takes_a_heading_away_from_the_field_it_was_detected_for(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Netto;Umsatz\n1;R1;01.01.2025;5;7\n")

    sales_file = open_sales_file(path, mapping_overrides={"net_revenue": "Umsatz"})

    assert sales_file.mapping["net_revenue"] == "Umsatz"
    assert next(sales_file.rows()).net_revenue_cents == 700


def test_empty_override_unmaps_a_field(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Netto;Menge\n1;R1;01.01.2025;5;x\n")

    sales_file = open_sales_file(path, mapping_overrides={"quantity": ""})

    assert "quantity" not in sales_file.mapping
    assert next(sales_file.rows()).quantity is None


def test_override_naming_a_missing_heading_refuses_the_file(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Netto\n1;R1;01.01.2025;5\n")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, mapping_overrides={"net_revenue": "Umsatz"})

    assert refused.value.code == "override_unknown_heading"
    assert "„Umsatz“" in str(refused.value) and "„Netto“" in str(refused.value)


def test_override_naming_an_unknown_field_refuses_the_file(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Netto\n1;R1;01.01.2025;5\n")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, mapping_overrides={"rabatt": "Netto"})

    assert refused.value.code == "override_unknown_field"


def test_unmapping_a_required_field_refuses_the_file(tmp_path):
    path = write(tmp_path, "Kdnr;Beleg;Datum;Netto\n1;R1;01.01.2025;5\n")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, mapping_overrides={"invoice_date": ""})

    assert refused.value.code == "required_column_missing"
