"""Reading XLSX exports, and refusing workbooks that are too big, bombs, or not workbooks."""

from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from kam.sales.reading import FileRefused, RejectedRow, SalesRow, open_sales_file


def workbook(tmp_path, rows, *, start_row=1, title="Umsatz", name="s.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=start_row + offset, column=column, value=value)
    path = tmp_path / name
    book.save(path)
    return path


HEADER = ["Kundennummer", "Rechnungsnummer", "Rechnungsdatum", "Nettoumsatz", "Menge", "Kosten"]


def test_typed_cells_are_read_exactly(tmp_path):
    path = workbook(
        tmp_path,
        [
            HEADER,
            [10001, "R1", datetime.date(2025, 12, 31), 1234.5, 2, 0.1 + 0.2],
            ["10002", 4711, datetime.datetime(2025, 1, 2, 0, 0), "1.234,56", "1,5", None],
            [10003, "R3", "31.01.2025", 0.005, None, 1e-05],
        ],
    )

    sales_file = open_sales_file(path)
    rows = list(sales_file.rows())

    assert (sales_file.kind, sales_file.sheet_name, sales_file.encoding) == ("xlsx", "Umsatz", None)
    assert [r.customer_number for r in rows] == ["10001", "10002", "10003"]
    assert [r.invoice_number for r in rows] == ["R1", "4711", "R3"]
    assert [r.invoice_date for r in rows] == [
        datetime.date(2025, 12, 31),
        datetime.date(2025, 1, 2),
        datetime.date(2025, 1, 31),
    ]
    assert [r.net_revenue_cents for r in rows] == [123450, 123456, 1]
    assert [r.quantity for r in rows] == [Decimal("2"), Decimal("1.5"), None]
    assert [r.cost_cents for r in rows] == [30, None, 0]
    assert rows[0].margin_cents == 123450 - 30


def test_header_is_the_first_non_empty_row_and_lines_are_sheet_rows(tmp_path):
    path = workbook(
        tmp_path,
        [
            HEADER,
            [1, "R1", datetime.date(2025, 1, 1), 5, None, None],
            [None] * 6,
            [1, "R2", "31.02.2025", 5, None, None],
        ],
        start_row=3,
    )

    sales_file = open_sales_file(path)
    rows = list(sales_file.rows())

    assert sales_file.header_line == 3
    assert isinstance(rows[0], SalesRow) and rows[0].line == 4
    assert isinstance(rows[1], RejectedRow)
    assert (rows[1].line, rows[1].code, rows[1].column) == (6, "date_impossible", "Rechnungsdatum")


def test_excel_serial_number_in_a_date_column_is_a_date(tmp_path):
    path = workbook(tmp_path, [HEADER[:4], [1, "R1", 45657, 5]])

    assert next(open_sales_file(path).rows()).invoice_date == datetime.date(2024, 12, 31)


def test_named_sheet_and_missing_sheet(tmp_path):
    path = workbook(tmp_path, [HEADER[:4], [1, "R1", "2025-01-01", 5]], title="Daten")

    assert next(open_sales_file(path, sheet="Daten").rows()).net_revenue_cents == 500
    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, sheet="Tabelle1")
    assert refused.value.code == "sheet_not_found"


def test_preview_shows_cells_as_text(tmp_path):
    path = workbook(tmp_path, [HEADER[:4], [1, "R1", datetime.date(2025, 1, 1), 2.5]])

    assert open_sales_file(path).preview(1) == [["1", "R1", "2025-01-01", "2,5"]]


def test_oversized_workbook_is_refused(tmp_path):
    path = workbook(tmp_path, [HEADER[:4], [1, "R1", "2025-01-01", 5]])

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, max_xlsx_bytes=1000)

    assert refused.value.code == "xlsx_too_big"


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path)

    assert refused.value.code == "xlsx_zip_bomb"


def test_total_unpacked_size_is_limited(tmp_path):
    path = workbook(tmp_path, [HEADER[:4], [1, "R1", "2025-01-01", 5]])

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path, max_xlsx_uncompressed_bytes=100)

    assert refused.value.code == "xlsx_zip_bomb"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"this is not a zip file at all", "not_xlsx"),
        (b"PK\x03\x04 broken", "not_xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "xls_legacy"),
    ],
)
def test_files_that_are_not_workbooks_are_refused(tmp_path, content, code):
    path = tmp_path / "s.xlsx"
    path.write_bytes(content)

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path)

    assert refused.value.code == code


def test_zip_without_a_workbook_is_refused(tmp_path):
    path = tmp_path / "s.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")

    with pytest.raises(FileRefused) as refused:
        open_sales_file(path)

    assert refused.value.code == "not_xlsx"
