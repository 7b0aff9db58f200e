"""Reading CSV sales exports: encodings, delimiters, line numbers and every kind of bad row."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.sales.reading import FileRefused, RejectedRow, SalesRow, open_sales_file
from kam.sales.reading.columns import _CONTROL_CHARACTERS, control_errors
from kam.sales.reading.csv_source import CsvSource

HEADER = "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz"


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, **options: object) -> list[SalesRow | RejectedRow]:
    return list(open_sales_file(path, **options).rows())  # type: ignore[arg-type]


def only_rejected(path: Path) -> RejectedRow:
    rows = read(path)
    assert len(rows) == 1
    assert isinstance(rows[0], RejectedRow)
    return rows[0]


def test_full_german_row_is_read_exactly(tmp_path):
    path = write(
        tmp_path,
        "Kundennummer;Kundenname;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;"
        "Artikelbezeichnung;Menge;Nettoumsatz;Deckungsbeitrag;Wareneinsatz;Währung;Vertreter\n"
        "10001;Müller GmbH;R-1;10;31.12.2025;A-1;Schraube groß;1.000,5;1.234,56;234,56;"
        "1.000,00;eur;Jürgen\n",
        encoding="cp1252",
    )

    [row] = read(path)

    assert row == SalesRow(
        line=2,
        customer_number="10001",
        customer_name="Müller GmbH",
        invoice_number="R-1",
        line_number=10,
        invoice_date=datetime.date(2025, 12, 31),
        product_number="A-1",
        product_name="Schraube groß",
        quantity=Decimal("1000.5"),
        net_revenue_cents=123456,
        margin_cents=23456,
        cost_cents=100000,
        currency="EUR",
        sales_rep="Jürgen",
    )


def test_minimal_row_fills_optional_fields(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;10\n")

    [row] = read(path)

    assert isinstance(row, SalesRow)
    assert (row.customer_name, row.product_number, row.product_name) == (None, "", "")
    assert (row.quantity, row.margin_cents, row.cost_cents, row.currency) == (None,) * 4
    assert (row.sales_rep, row.line_number, row.net_revenue_cents) == ("", 1, 1000)


def test_margin_is_revenue_minus_cost_when_only_cost_is_given(tmp_path):
    path = write(tmp_path, f"{HEADER};Wareneinsatz\n1;R1;01.02.2025;100,00;60,50\n")

    [row] = read(path)

    assert (row.margin_cents, row.cost_cents) == (3950, 6050)


def test_margin_and_cost_both_given_are_kept_as_given(tmp_path):
    path = write(tmp_path, f"{HEADER};DB;Kosten\n1;R1;01.02.2025;100;10;20\n")

    [row] = read(path)

    assert (row.margin_cents, row.cost_cents) == (1000, 2000)


def test_credit_notes_with_leading_or_trailing_minus_are_valid(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;G1;01.02.2025;-12,50\n1;G2;01.02.2025;12,50-\n")

    assert [row.net_revenue_cents for row in read(path)] == [-1250, -1250]


def test_currency_marks_around_amounts_are_tolerated(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;1.234,56 €\n1;R2;01.02.2025;EUR -5\n")

    assert [row.net_revenue_cents for row in read(path)] == [123456, -500]


def test_more_than_two_decimals_round_half_up(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;1,2350\n1;R2;01.02.2025;-1,2349\n")

    assert [row.net_revenue_cents for row in read(path)] == [124, -123]


# --- line numbering within invoices -------------------------------------------------------


def test_lines_are_numbered_within_each_invoice_in_file_order(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n1;A;01.02.2025;1\n1;B;01.02.2025;1\n1;A;01.02.2025;1\n1;A;01.02.2025;1\n",
    )

    numbers = [(row.invoice_number, row.line_number) for row in read(path)]

    assert numbers == [("A", 1), ("B", 1), ("A", 2), ("A", 3)]


def test_a_rejected_line_keeps_its_number_so_a_corrected_file_numbers_the_same(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;A;01.02.2025;1\n1;A;31.02.2025;1\n1;A;01.02.2025;1\n")

    rows = read(path)

    assert isinstance(rows[1], RejectedRow)
    assert rows[2].line_number == 3


def test_position_column_is_used_when_present(tmp_path):
    path = write(tmp_path, f"{HEADER};Pos.\n1;A;01.02.2025;1;000020\n")

    assert read(path)[0].line_number == 20


# --- bad rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("31.02.2025", "date_impossible"),
        ("00.01.2025", "date_impossible"),
        ("12/31/2025", "date_unknown_format"),
        ("Dezember 2025", "date_unknown_format"),
        ("01.01.1850", "date_out_of_range"),
    ],
)
def test_bad_dates_are_rejected_with_distinct_reasons(tmp_path, value, code):
    rejected = only_rejected(write(tmp_path, f"{HEADER}\n1;R1;{value};10\n"))

    assert (rejected.line, rejected.column, rejected.value, rejected.code) == (
        2,
        "Rechnungsdatum",
        value,
        code,
    )
    assert value in rejected.reason and "Rechnungsdatum" in rejected.reason


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("abc", "number_not_numeric"),
        ("zehn Euro", "number_not_numeric"),
        ("1.2.3", "number_garbled"),
        ("12,3,4", "number_garbled"),
        ("1,23,45", "number_garbled"),
        ("99999999999999", "number_too_large"),
    ],
)
def test_text_and_garbled_numbers_are_rejected_naming_the_column(tmp_path, value, code):
    rejected = only_rejected(write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;{value}\n"))

    assert (rejected.column, rejected.value, rejected.code) == ("Nettoumsatz", value, code)


def test_english_number_in_a_german_file_is_garbled(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;12,50\n1;R2;01.02.2025;1234.56\n")

    rows = read(path)

    assert rows[0].net_revenue_cents == 1250
    assert (rows[1].column, rows[1].code) == ("Nettoumsatz", "number_garbled")


@pytest.mark.parametrize(
    "column", ["Kundennummer", "Rechnungsnummer", "Rechnungsdatum", "Nettoumsatz"]
)
def test_missing_required_value_is_rejected_naming_the_column(tmp_path, column):
    values = dict.fromkeys(HEADER.split(";"), "1") | {"Rechnungsdatum": "01.02.2025"}
    values[column] = "  "
    rejected = only_rejected(write(tmp_path, f"{HEADER}\n{';'.join(values.values())}\n"))

    assert (rejected.column, rejected.code) == (column, "missing_value")
    assert column in rejected.reason


@pytest.mark.parametrize(
    ("extra", "value", "code"),
    [
        ("Menge", "viel", "number_not_numeric"),
        ("Position", "1a", "integer_invalid"),
        ("Position", "1,5", "integer_invalid"),
        ("Währung", "Euronen", "currency_invalid"),
    ],
)
def test_bad_optional_values_are_rejected(tmp_path, extra, value, code):
    rejected = only_rejected(write(tmp_path, f"{HEADER};{extra}\n1;R1;01.02.2025;1;{value}\n"))

    assert (rejected.column, rejected.value, rejected.code) == (extra, value, code)


def test_wrong_number_of_fields_is_rejected_for_the_whole_row(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025\n1;R2;01.02.2025;1;2\n1;R3;01.02.2025;3\n")

    rows = read(path)

    assert [(row.line, row.column, row.code) for row in rows[:2]] == [
        (2, None, "field_count"),
        (3, None, "field_count"),
    ]
    assert isinstance(rows[2], SalesRow) and rows[2].line == 4


def test_blank_lines_and_trailing_empty_fields_are_ignored(tmp_path):
    path = write(tmp_path, f"{HEADER}\n\n1;R1;01.02.2025;1;;\n;;;\n1;R2;01.02.2025;2\n")

    rows = read(path)

    assert [(row.line, row.invoice_number) for row in rows] == [(3, "R1"), (5, "R2")]


def test_first_problem_of_a_row_is_reported(tmp_path):
    rejected = only_rejected(write(tmp_path, f"{HEADER}\n;R1;kein Datum;abc\n"))

    assert rejected.column == "Kundennummer"


def test_valid_and_rejected_rows_stay_in_file_order(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;1\n1;R2;x;1\n1;R3\n1;R4;01.02.2025;4\n")

    assert [type(row).__name__ for row in read(path)] == [
        "SalesRow",
        "RejectedRow",
        "RejectedRow",
        "SalesRow",
    ]


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("31.12.2025", datetime.date(2025, 12, 31)),
        ("1.2.2025", datetime.date(2025, 2, 1)),
        ("31.12.25", datetime.date(2025, 12, 31)),
        ("01.01.95", datetime.date(1995, 1, 1)),
        ("2025-12-31", datetime.date(2025, 12, 31)),
        ("31.12.2025 00:00:00", datetime.date(2025, 12, 31)),
        ("2025-12-31T08:15", datetime.date(2025, 12, 31)),
        ("20251231", datetime.date(2025, 12, 31)),
    ],
)
def test_date_formats(tmp_path, written, expected):
    path = write(tmp_path, f"{HEADER}\n1;R1;{written};1\n")

    assert read(path, year_pivot=35)[0].invoice_date == expected


# --- encodings ------------------------------------------------------------------------------

UMLAUT_FILE = f"{HEADER};Kundenname\n1;R1;01.02.2025;1;Müller Öl & Söhne Straße\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("latin-1", "cp1252"),
        ("utf-16", "utf-16"),
    ],
)
def test_encodings_are_detected_and_umlauts_survive(tmp_path, encoding, reported):
    sales_file = open_sales_file(write(tmp_path, UMLAUT_FILE, encoding=encoding))

    [row] = sales_file.rows()

    assert sales_file.encoding == reported
    assert sales_file.headings[0] == "Kundennummer"
    assert row.customer_name == "Müller Öl & Söhne Straße"


def test_euro_sign_in_cp1252(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;5,00 €\n", encoding="cp1252")

    assert read(path)[0].net_revenue_cents == 500


def test_names_with_every_cp1252_character_read_as_written(tmp_path):
    """Windows-1252 files are decoded as Latin-1 where a piece of them has no byte on which the
    two differ (reading_encoding): names with those characters (€, „“, …) come out right too,
    and so do the rows of pieces without any."""
    defined = bytes(b for b in range(0xA0, 0x100)) + bytes(
        b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    )
    names = [defined.decode("cp1252").replace(";", "")] + [
        f"Müller {i} Öl & Söhne" for i in range(3000)
    ]
    body = "".join(f"{i};R{i};01.02.2025;1;{name}\n" for i, name in enumerate(names))
    path = write(tmp_path, f"{HEADER};Kundenname\n{body}", encoding="cp1252")

    rows = read(path)

    assert [row.customer_name for row in rows] == [name.strip() for name in names]


def test_byte_undefined_in_cp1252_refuses_the_file_naming_the_offset(tmp_path):
    data = f"{HEADER}\n1;R1;01.02.2025;1;Müller\n".encode("cp1252")
    offset = len(data)
    path = tmp_path / "s.csv"
    path.write_bytes(data + b"Gr\x81n\n")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path)

    assert refused.value.code == "undecodable"
    assert refused.value.params["offset"] == offset + 2
    assert str(offset + 2) in str(refused.value)


def test_utf8_file_with_a_broken_byte_is_refused_not_read_as_cp1252(tmp_path):
    data = f"{HEADER};Name\n1;R1;01.02.2025;1;Müller\n".encode()
    path = tmp_path / "s.csv"
    path.write_bytes(data + b"1;R2;01.02.2025;1;M\xfcller\n")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path)

    assert refused.value.code == "undecodable"
    assert refused.value.params["offset"] == len(data) + len("1;R2;01.02.2025;1;M")
    assert "UTF-8" in str(refused.value)


# --- delimiters and quoting -----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiter_is_detected(tmp_path, delimiter):
    text = f"{HEADER}\n1;R1;01.02.2025;1.234,56\n".replace(";", delimiter)
    if delimiter == ",":
        text = text.replace("1.234,56", '"1.234,56"')

    sales_file = open_sales_file(write(tmp_path, text))

    assert sales_file.delimiter == delimiter
    assert next(sales_file.rows()).net_revenue_cents == 123456


def test_english_export_with_commas(tmp_path):
    path = write(
        tmp_path,
        "Customer No,Invoice No,Invoice Date,Net Amount,Qty\n"
        'C1,I1,2025-03-01,"1,234.56",2.5\nC1,I2,2025-03-01,12.5,1\n',
    )

    sales_file = open_sales_file(path)

    assert sales_file.number_style == "en"
    assert [(r.net_revenue_cents, r.quantity) for r in sales_file.rows()] == [
        (123456, Decimal("2.5")),
        (1250, Decimal("1")),
    ]


def test_quoted_fields_with_delimiters_and_line_breaks_keep_physical_line_numbers(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER};Artikelbezeichnung\n"
        '1;R1;01.02.2025;1;"Schraube; verzinkt\nzweite Zeile\r\ndritte"\n'
        "1;R2;01.02.2025;2;Mutter\n"
        '1;R3;01.02.2025;x;"A\nB"\n'
        "1;R4;01.02.2025;4;Scheibe\n",
    )

    rows = read(path)

    assert [row.line for row in rows] == [2, 5, 6, 8]
    assert rows[0].product_name == "Schraube; verzinkt\nzweite Zeile\r\ndritte"
    assert isinstance(rows[2], RejectedRow)


def test_unclosed_quote_at_the_end_is_reported_with_its_line_range(tmp_path):
    path = write(tmp_path, f'{HEADER}\n1;R1;01.02.2025;1\n1;"R2;01.02.2025;2\n1;R3;01.02.2025;3\n')

    rows = read(path)

    assert isinstance(rows[0], SalesRow)
    assert (rows[1].line, rows[1].code) == (3, "unclosed_quote")
    assert "Zeile 3 bis Zeile 4" in rows[1].reason


def test_line_numbers_stay_right_across_blocks(tmp_path):
    body = "".join(f'1;R{i};01.02.2025;"{i}\n"\n' for i in range(3000))
    rows = read(write(tmp_path, f"{HEADER}\n{body}"))

    assert [row.line for row in rows[-2:]] == [2 + 2 * 2998, 2 + 2 * 2999]


# --- whole-file refusals ----------------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(FileRefused) as refused:
        open_sales_file(write(tmp_path, ""))
    assert refused.value.code == "file_empty"


def test_file_with_only_blank_lines_has_no_header(tmp_path):
    with pytest.raises(FileRefused) as refused:
        open_sales_file(write(tmp_path, "\n  \n;;\n"))
    assert refused.value.code == "no_header"


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(FileRefused) as refused:
        open_sales_file(tmp_path / "gibt-es-nicht.csv")
    assert refused.value.code == "file_unreadable"


def test_required_column_missing_names_field_and_headings(tmp_path):
    with pytest.raises(FileRefused) as refused:
        open_sales_file(write(tmp_path, "Kundennummer;Rechnungsnummer;Betrag\n1;R1;5\n"))

    message = str(refused.value)
    assert refused.value.code == "required_column_missing"
    assert "Rechnungsdatum" in message and "„Betrag“" in message


def test_header_only_file_has_no_rows(tmp_path):
    assert read(write(tmp_path, f"{HEADER}\n")) == []


# --- chunks and preview ---------------------------------------------------------------------


def test_chunks_keep_file_order_and_size(tmp_path):
    body = "".join(f"1;R{i};01.02.2025;{i}\n" for i in range(2500))
    sales_file = open_sales_file(write(tmp_path, f"{HEADER}\n{body}"))

    chunks = list(sales_file.iter_chunks(size=1000))

    assert [len(chunk) for chunk in chunks] == [1000, 1000, 500]
    assert [row.net_revenue_cents for chunk in chunks for row in chunk] == [
        i * 100 for i in range(2500)
    ]


def test_preview_shows_raw_records(tmp_path):
    sales_file = open_sales_file(write(tmp_path, f"{HEADER}\n1;R1;01.02.2025;1,5\n1;R2;x;y\n"))

    assert sales_file.preview(5) == [
        ["1", "R1", "01.02.2025", "1,5"],
        ["1", "R2", "x", "y"],
    ]
    assert sales_file.header_line == 1


def test_quote_that_swallows_a_huge_part_of_the_file_refuses_it_naming_the_line(tmp_path):
    body = "".join(f"1;R{i};01.02.2025;{i}\n" for i in range(10_000))
    path = write(tmp_path, f'{HEADER}\n1;R;01.02.2025;1\n1;"R;01.02.2025;1\n{body}')

    with pytest.raises(FileRefused) as refused:
        read(path)

    assert refused.value.code == "csv_broken"
    assert refused.value.params["line"] == 3


def test_utf8_character_split_across_read_chunks_is_fine(tmp_path):
    data = f"{HEADER};Kundenname\n".encode()
    while len(data) < (1 << 20) - 100:
        data += b"1;R;01.02.2025;1;x\n"
    prefix = b"1;R;01.02.2025;1;"
    data += b"1;R;01.02.2025;1;" + b"x" * ((1 << 20) - 1 - len(data) - len(prefix))
    path = tmp_path / "s.csv"
    path.write_bytes(data + "ü\n".encode())
    assert path.read_bytes()[(1 << 20) - 1 : (1 << 20) + 1] == "ü".encode()

    sales_file = open_sales_file(path)

    assert sales_file.encoding == "utf-8"
    assert list(sales_file.rows())[-1].customer_name.endswith("xü")


# --- records and their lines, against the csv module --------------------------------------------

# Quotes, delimiters and every kind of line end, in lines short enough to meet each other often.
_CSV_TEXT = st.text(alphabet='ab1ä ;,"\r\n\x00\x0c\u2028', max_size=60)


@settings(max_examples=300, deadline=None)
@given(body=_CSV_TEXT, size=st.sampled_from([1, 2, 3, 50]))
def test_records_and_start_lines_are_those_of_the_csv_module(tmp_path_factory, body, size):
    path = tmp_path_factory.mktemp("csv") / "s.csv"
    path.write_text(f"a;b;c\n{body}", encoding="utf-8", newline="")
    source = CsvSource(path, "utf-8")

    try:
        got = [
            (line, record)
            for lines, records in source.blocks(size, kinds=[], style="de")
            for line, record in zip(lines, records, strict=True)
        ]
    except FileRefused as refused:
        got = refused.code  # type: ignore[assignment]

    assert got == _read_by_the_csv_module(path)


def _read_by_the_csv_module(path: Path) -> list[tuple[int, list[str]]] | str:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file, delimiter=";")
        next(reader)
        expected, start = [], reader.line_num + 1
        try:
            for record in reader:
                expected.append((start, record))
                start = reader.line_num + 1
        except csv.Error:
            return "csv_broken"
    return expected


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.text(alphabet="a\x00\x1f\n ", max_size=3), max_size=12))
def test_control_characters_are_found_at_their_positions(values):
    expected = {i for i, value in enumerate(values) if _CONTROL_CHARACTERS.search(value)}
    assert set(control_errors(values)) == expected
