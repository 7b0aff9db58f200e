"""Control characters in text fields (#13.7): a NUL in a customer name is reported, not stored."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.accounts.models import Account
from kam.sales.importer import import_sales
from kam.sales.models import ImportRejection, SalesLine
from kam.sales.reading import RejectedRow, SalesRow, open_sales_file
from kam.sales.reading.columns import control_errors

HEADER = (
    "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Artikelbezeichnung;Nettoumsatz\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + body).encode("utf-8"))
    return path


@pytest.mark.parametrize("column", [1, 0, 2, 5])
@pytest.mark.parametrize("character", ["\x00", "\x1f", "\x07", "\x7f"])
def test_a_control_character_in_a_text_field_rejects_the_row(tmp_path, column, character):
    fields = ["10001", "Müller GmbH", "R-1", "1", "31.12.2025", "Schraube", "10,00"]
    fields[column] = fields[column][:1] + character + fields[column][1:]
    path = write(tmp_path, ";".join(fields) + "\n10002;Bäcker AG;R-2;1;31.12.2025;A;5,00\n")

    first, second = open_sales_file(path).rows()

    assert isinstance(first, RejectedRow) and first.code == "control_character"
    assert first.line == 2
    assert "Steuerzeichen" in first.reason
    assert character not in first.value and character not in first.reason
    assert isinstance(second, SalesRow)


def test_tab_and_line_breaks_in_quoted_names_stay_allowed(tmp_path):
    path = write(tmp_path, '10001;"Müller\tGmbH\nWerk 2";R-1;1;31.12.2025;A;10,00\n')

    [row] = open_sales_file(path).rows()

    assert isinstance(row, SalesRow)


@pytest.mark.django_db
def test_an_import_with_a_nul_byte_reports_the_row_and_stores_nothing_of_it(tmp_path):
    path = write(
        tmp_path,
        "10001;Evil\x00 GmbH;R-1;1;31.12.2025;A;10,00\n10002;Bäcker AG;R-2;1;31.12.2025;A;5,00\n",
    )

    report, record = import_sales(paths=[path])

    assert (report.imported, len(report.rejected)) == (1, 1)
    [rejected] = report.rejected
    assert (rejected["line"], rejected["column"], rejected["code"]) == (
        2,
        "Kunde",
        "control_character",
    )
    assert rejected["value"] == "Evil\u2400 GmbH"
    assert ImportRejection.objects.filter(sales_import=record).count() == 1
    assert all("\x00" not in name for name in Account.objects.values_list("name", flat=True))
    assert SalesLine.objects.count() == 1


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x2100)), max_size=8))
def test_each_value_with_a_control_character_is_found(values):
    # Given a block of values of any characters (controls, tab and line ends, umlauts, €)
    pattern = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    # Then exactly the values with a control character other than tab and line ends are found
    expected = {i: "control_character" for i, value in enumerate(values) if pattern.search(value)}
    assert control_errors(values) == expected
