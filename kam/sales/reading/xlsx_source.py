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
from xml.etree import ElementTree

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
        self.sheet_name: str | None
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
        self.sheet_name = name
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
    """The sheet's rows up to the header and ``records`` more, parsed from the workbook's XML
    as a stream: calamine (and openpyxl, for its shared strings) read the whole sheet first,
    which takes seconds for a workbook of a million rows. Only the shared strings up to the
    highest one these rows use are read. Columns start at the first used one, as calamine's
    do; numbers stay numbers (a date column's serials become dates in ``cell_text``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name, member = _sheet_member(archive, sheet)
            with archive.open(member) as xml:
                cells = _sheet_rows(xml, records)
            strings = _shared_strings(archive, cells)
    except FileRefused:
        raise
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused("xlsx_unreadable", detail=str(exc)) from None
    rows = [[strings[v] if kind == "s" else v for kind, v in row] for row in cells]
    return name, _from_first_used_column(rows)


# The parts are parsed with the standard library (S314 below): it resolves no external
# entities, expat >= 2.4 refuses entity expansion bombs, and check_xlsx has refused zip bombs.
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_member(archive: zipfile.ZipFile, sheet: str | None) -> tuple[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 (see _MAIN)
    sheets = [(s.get("name", ""), s.get(f"{_DOC_RELS}id")) for s in workbook.iter(f"{_MAIN}sheet")]
    names = [name for name, _ in sheets]
    if sheet is not None and sheet not in names:
        raise FileRefused("sheet_not_found", sheet=sheet, sheets=", ".join(names))
    name, rel_id = sheets[names.index(sheet)] if sheet is not None else sheets[0]
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    target = next(
        r.get("Target", "") for r in rels.iter(f"{_RELS}Relationship") if r.get("Id") == rel_id
    )
    return name, target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


def _sheet_rows(xml, records: int) -> list[list[tuple[str, Any]]]:
    """Rows as (kind, value) cells, "s" for a shared string's index, until ``records`` after
    the first row with content; empty rows in between are kept (sheet row numbers)."""
    rows: list[list[tuple[str, Any]]] = []
    header_at = None
    expected_row = 1
    for _, element in ElementTree.iterparse(xml, events=("end",)):  # noqa: S314
        if element.tag != f"{_MAIN}row":
            continue
        number = int(element.get("r") or expected_row)
        while expected_row < number:  # rows the sheet leaves out are empty
            rows.append([])
            expected_row += 1
        rows.append(_row_cells(element))
        expected_row += 1
        element.clear()
        if header_at is None and any(value != "" for _, value in rows[-1]):
            header_at = len(rows)
        if header_at is not None and len(rows) >= header_at + records:
            break
    return rows


def _row_cells(row) -> list[tuple[str, Any]]:
    cells: list[tuple[str, Any]] = []
    for cell in row.iter(f"{_MAIN}c"):
        column = _column_index(cell.get("r", "")) if cell.get("r") else len(cells)
        cells.extend([("", "")] * (column - len(cells)))
        kind = cell.get("t", "n")
        value = cell.findtext(f"{_MAIN}v")
        if kind == "s" and value is not None:
            cells.append(("s", int(value)))
        elif kind == "inlineStr":
            cells.append(("", "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))))
        elif kind == "b":
            cells.append(("", value == "1"))
        elif value is None:
            cells.append(("", ""))
        elif kind in ("str", "e"):
            cells.append(("", value))
        else:
            cells.append(("", float(value)))  # as calamine: every number a float
    return cells


def _shared_strings(archive: zipfile.ZipFile, rows: list[list[tuple[str, Any]]]) -> list[str]:
    wanted = max((v for row in rows for kind, v in row if kind == "s"), default=-1)
    strings: list[str] = []
    if wanted < 0:
        return strings
    with archive.open("xl/sharedStrings.xml") as xml:
        for _, element in ElementTree.iterparse(xml, events=("end",)):  # noqa: S314
            if element.tag == f"{_MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{_MAIN}t")))
                element.clear()
                if len(strings) > wanted:
                    break
    return strings


def _from_first_used_column(rows: list[list[Any]]) -> list[list[Any]]:
    used = [next((i for i, cell in enumerate(row) if cell != ""), None) for row in rows]
    first = min((column for column in used if column is not None), default=0)
    return [row[first:] for row in rows]
