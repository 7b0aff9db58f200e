"""Safe cells for CSV/XLSX exports: any stored text is written without failing and never as a
formula.

- CSV: a text that a spreadsheet could read as a formula gets a leading apostrophe. That covers the
  ASCII starts (= + - @, tab, CR, LF) and their full-width and small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫
  and the like), which Excel and LibreOffice also take for the formula characters.
- XLSX: text cells are written as strings (cell type "s"), which no spreadsheet evaluates, so no
  apostrophe is needed there and none shows.
- Both: control characters (NUL and the rest of C0, except tab and line feed) are removed; XML,
  and so XLSX, cannot hold them at all.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Characters that look like a formula start but have no compatibility decomposition to one.
FORMULA_LOOKALIKES = frozenset("\u2212\u2795\u2796\uff5c")
#: C0 controls except tab and line feed, DEL, the UTF-16 surrogates and the two non-characters
#: that XML 1.0 forbids.
ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """The text without the characters no export format can hold."""
    return ILLEGAL_TEXT.sub("", value)


def looks_like_formula(text: str) -> bool:
    if not text:
        return False
    first = text.lstrip(" \u00a0\u3000")[:1] or text[0]
    return (
        first in FORMULA_LOOKALIKES
        or unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS)
        or text.startswith(FORMULA_STARTS)
    )


def neutralise_cell(value):
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return f"'{text}" if looks_like_formula(text) else text


def neutralise(values: list) -> list:
    """Text a spreadsheet could read as a formula gets a leading apostrophe; numbers stay."""
    return [neutralise_cell(value) for value in values]


def german_number(cell):
    """German Excel reads "1234,5" as a number and "1234.5" as text."""
    if isinstance(cell, Decimal | float):
        return str(cell).replace(".", ",")
    return cell


def as_csv(lines: Iterable[list]) -> bytes:
    """Semicolon-separated UTF-8 with a BOM (Excel opens it correctly), every cell neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    for line in lines:
        writer.writerow(["" if cell is None else german_number(cell) for cell in neutralise(line)])
    return buffer.getvalue().encode("utf-8")


def as_xlsx(lines: Iterable[list], *, title: str) -> bytes:
    """One sheet; text as string cells (never a formula), numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=clean_text(title)[:31] or "Export")

    def cell(value):
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value=clean_text(value))
            text.data_type = "s"  # openpyxl would take a leading "=" for a formula
            return text
        return float(value) if isinstance(value, Decimal) else value

    for line in lines:
        sheet.append([cell(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
