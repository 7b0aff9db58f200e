"""Rows of an Excel workbook (XLSX), read with python-calamine after a zip-bomb check.

Cells arrive typed. They are turned into the text the CSV path understands, so both paths share
one set of rules: amounts become exact decimal text in the file's number style (floats through
``Decimal(repr(value))``, which is the shortest text that reads back as the same float), dates
become ISO dates, whole numbers in text columns lose the ``.0`` Excel adds.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine

from .model import FileRefused
from .numbers import NumberStyle

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Members smaller than this may compress as well as they like.
_RATIO_CHECKED_FROM = 10 * MB
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_LAST_EXCEL_SERIAL = 2_958_465  # 9999-12-31

AMOUNT, DATE, TEXT = "amount", "date", "text"


def check_xlsx(path: Path, *, max_bytes: int, max_uncompressed_bytes: int, max_ratio: int) -> None:
    """Refuses a file that is too big, not a workbook, or would unpack to something huge."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRefused("xlsx_too_big", size=_megabytes(size), limit=_megabytes(max_bytes))
    with path.open("rb") as file:
        if file.read(8) == OLE_MAGIC:
            raise FileRefused("xls_legacy")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileRefused("not_xlsx") from None
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise FileRefused("not_xlsx")
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise FileRefused("xlsx_zip_bomb", detail=f"{_megabytes(total)} MB entpackt")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= _RATIO_CHECKED_FROM and ratio > max_ratio:
            raise FileRefused(
                "xlsx_zip_bomb", detail=f"{member.filename} ist {ratio:.0f}-fach komprimiert"
            )


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


def cell_text(cell: Any, kind: str, style: NumberStyle) -> str:
    """The text of a typed cell, as the CSV path would have read it."""
    if cell.__class__ is str:
        return cell
    if isinstance(cell, bool):
        return "WAHR" if cell else "FALSCH"
    if isinstance(cell, float | int):
        return _number_text(cell, kind, style)
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if kind == DATE else cell.isoformat(sep=" ")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell)


def _number_text(number: float | int, kind: str, style: NumberStyle) -> str:
    if kind == DATE and 1 <= number <= _LAST_EXCEL_SERIAL:
        return (_EXCEL_EPOCH + datetime.timedelta(days=int(number))).isoformat()
    if kind == AMOUNT:
        text = format(Decimal(repr(number)), "f")
        return text.replace(".", ",") if style == "de" else text
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return repr(number)


class XlsxSource:
    kind = "xlsx"
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, *, sheet: str | None, max_records: int | None = None) -> None:
        self.path = path
        self._streamed: list[list[Any]] | None = None
        if max_records is not None:
            self.sheet_name, self._streamed = _first_rows(path, sheet, max_records)
            self.header_line, self.raw_headings = self._find_header()
            return
        try:
            workbook = python_calamine.CalamineWorkbook.from_path(str(path))
            if sheet is not None and sheet not in workbook.sheet_names:
                raise FileRefused(
                    "sheet_not_found", sheet=sheet, sheets=", ".join(workbook.sheet_names)
                )
            name = sheet if sheet is not None else workbook.sheet_names[0]
            self._sheet = workbook.get_sheet_by_name(name)
        except FileRefused:
            raise
        except Exception as exc:  # calamine raises several unrelated types for broken files.
            raise FileRefused("xlsx_unreadable", detail=str(exc)) from None
        self.sheet_name: str | None = name
        self.header_line, self.raw_headings = self._find_header()

    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self._streamed is not None:
            return enumerate(self._streamed, start=1)
        # calamine yields rows from the first sheet row but columns from the first used column.
        return enumerate(self._sheet.iter_rows(), start=1)

    def _find_header(self) -> tuple[int, list[str]]:
        for line, row in self._rows():
            texts = [cell_text(cell, TEXT, "de").strip() for cell in row]
            if any(texts):
                while texts and not texts[-1]:
                    texts.pop()
                return line, texts
        raise FileRefused("no_header")

    def blocks(
        self, size: int, *, kinds: Sequence[str], style: NumberStyle
    ) -> Iterator[tuple[list[int], list[list[str]]]]:
        """``(sheet row numbers, records)`` for blocks of up to ``size`` rows after the header."""
        width = len(kinds)
        rows = islice(self._rows(), self.header_line, None)
        while block := list(islice(rows, size)):
            lines = [line for line, _ in block]
            records = [
                [
                    cell if cell.__class__ is str else cell_text(cell, kind, style)
                    for cell, kind in zip(row[:width], kinds, strict=False)
                ]
                + [""] * (width - len(row))
                for _, row in block
            ]
            yield lines, records

    def written_values(self, columns: Sequence[int], records: int) -> Iterator[str]:
        """Text cells of some columns in the first rows; typed numbers do not show a style."""
        for _, row in islice(self._rows(), self.header_line, self.header_line + records):
            for column in columns:
                if column < len(row) and row[column].__class__ is str:
                    yield row[column]


def _first_rows(path: Path, sheet: str | None, records: int) -> tuple[str, list[list[Any]]]:
    """The sheet's rows up to the header and ``records`` more, streamed with openpyxl's
    read-only mode (calamine loads the whole sheet): a preview of a workbook of a million rows
    reads the rows it shows. Columns start at the first used one, as calamine's do."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, like calamine, raises several types for broken files
        raise FileRefused("xlsx_unreadable", detail=str(exc)) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise FileRefused("sheet_not_found", sheet=sheet, sheets=", ".join(workbook.sheetnames))
        name = sheet if sheet is not None else workbook.sheetnames[0]
        worksheet = workbook[name]
        first_column = worksheet.min_column or 1
        rows: list[list[Any]] = []
        header_at = None
        for values in worksheet.iter_rows(min_col=first_column, values_only=True):
            row = ["" if value is None else value for value in values]
            rows.append(row)
            if header_at is None and any(str(cell).strip() for cell in row):
                header_at = len(rows)
            if header_at is not None and len(rows) >= header_at + records:
                break
        return name, rows
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused("xlsx_unreadable", detail=str(exc)) from None
    finally:
        workbook.close()

