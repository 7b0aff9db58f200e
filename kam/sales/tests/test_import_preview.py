"""The mapping page's preview reads only the rows it shows, and only once (issue 13, 12)."""

import datetime

import openpyxl
import pytest

from kam.sales import preview as previews
from kam.sales.reading import csv_source, xlsx_source

HEADER = "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n"
ROWS = 10


@pytest.fixture
def big_csv(tmp_path):
    path = tmp_path / "gross.csv"
    body = "".join(f"{10000 + i % 500};R-{i};15.03.2025;{i},50\n" for i in range(200_000))
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _count_records(monkeypatch, source_class) -> list[int]:
    """Counts the records the source hands out (blocks and number-style samples)."""
    counted = [0]
    real_blocks, real_values = source_class.blocks, source_class.written_values

    def blocks(self, size, **kwargs):
        for lines, records in real_blocks(self, size, **kwargs):
            counted[0] += len(records)
            yield lines, records

    def written_values(self, columns, records):
        counted[0] += records
        yield from real_values(self, columns, records)

    monkeypatch.setattr(source_class, "blocks", blocks)
    monkeypatch.setattr(source_class, "written_values", written_values)
    return counted


def test_the_preview_of_a_200k_row_csv_reads_only_the_rows_it_shows(big_csv, monkeypatch):
    counted = _count_records(monkeypatch, csv_source.CsvSource)

    shown = previews.upload_preview(big_csv, overrides=None, rows=ROWS)

    assert len(shown.rows) == ROWS and shown.rows[0][:2] == ["10000", "R-0"]
    assert shown.mapping["net_revenue"] == "Nettoumsatz"
    assert counted[0] <= 2 * ROWS  # the rows shown and as many sampled for the number format


def test_the_preview_of_a_workbook_streams_its_first_rows_without_loading_the_sheet(
    tmp_path, monkeypatch
):
    path = tmp_path / "gross.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Umsatz")
    sheet.append(["Kundennummer", "Rechnungsnummer", "Rechnungsdatum", "Nettoumsatz"])
    for i in range(5000):
        sheet.append([10000 + i, f"R-{i}", datetime.datetime(2025, 3, 15), i + 0.5])
    workbook.save(path)
    streamed = []
    real_first_rows = xlsx_source._first_rows

    def first_rows(*args):
        name, rows = real_first_rows(*args)
        streamed.append(len(rows))
        return name, rows

    monkeypatch.setattr(xlsx_source, "_first_rows", first_rows)
    monkeypatch.setattr(
        xlsx_source.python_calamine.CalamineWorkbook,
        "from_path",
        lambda *_: pytest.fail("the preview loaded the whole sheet"),
    )

    shown = previews.upload_preview(path, overrides=None, rows=ROWS)

    assert streamed == [1 + ROWS]
    assert shown.rows[0] == ["10000", "R-0", "2025-03-15", "0,5"]
    assert len(shown.rows) == ROWS and shown.headings[0] == "Kundennummer"


def test_the_preview_is_read_once_per_upload_and_mapping(big_csv, monkeypatch):
    opened = []
    real_open = previews.open_sales_file
    monkeypatch.setattr(
        previews, "open_sales_file", lambda *a, **k: opened.append(1) or real_open(*a, **k)
    )

    first = previews.upload_preview(big_csv, overrides=None, rows=ROWS)
    again = previews.upload_preview(big_csv, overrides=None, rows=ROWS)
    remapped = previews.upload_preview(big_csv, overrides={"net_revenue": "Nettoumsatz"}, rows=ROWS)

    assert first == again and len(opened) == 2
    assert remapped.mapping["net_revenue"] == "Nettoumsatz"


def test_the_streamed_preview_of_a_workbook_shows_what_the_full_reading_shows(tmp_path):
    from kam.sales.reading import open_sales_file

    path = tmp_path / "gemischt.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    sheet.append([])  # an empty first row, data from column B
    sheet.append([None, "Kundennummer", "Kunde", "Rechnungsnummer", "Rechnungsdatum", "Netto"])
    sheet.append([None, 10001, "Müller & Söhne", "R-1", datetime.datetime(2025, 1, 31), 1234.56])
    sheet.append([None, "10002", None, "R-2", datetime.date(2025, 2, 1), 10])
    sheet.append([None, 10003, True, "R-3", "03.03.2025", "1.234,50"])
    workbook.save(path)

    full = open_sales_file(path)
    streamed = open_sales_file(path, max_records=ROWS)

    assert streamed.headings == full.headings and streamed.mapping == full.mapping
    assert streamed.preview(ROWS) == full.preview(ROWS)
