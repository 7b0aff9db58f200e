"""Every CSV/XLSX export of kam is written here: safe cells, and spreadsheets people can use.

How an export is declared (the one API; `kam.cockpit.exports` is an example):

    from kam.core import exports

    COLUMNS = [
        exports.Column(_("Account"), lambda a: a.name),
        exports.Column(_("Revenue, 12 months"), lambda a: a.revenue, exports.EUR),
        exports.Column(_("Growth"), lambda a: a.growth, exports.PERCENT),  # a fraction: 0.114
        exports.Column(_("Last contact"), lambda a: a.last_contact, exports.DATE),
    ]
    return exports.response(COLUMNS, rows, fmt="xlsx", title=_("Accounts"), filename="accounts")

- `Column(title, value, kind=TEXT, places=None, width=None)`: `value` is a function of the row;
  `kind` is one of TEXT, INTEGER, DECIMAL, EUR (a Decimal amount in euros), PERCENT (a
  fraction, 0.114 for 11.4 %), DATE, DATETIME; `places` overrides the kind's decimals (EUR 2,
  PERCENT 1, DECIMAL 1); `width` overrides the estimated column width (in characters).
- `xlsx(columns, rows, *, title)` → bytes: one sheet named after `title` (also the workbook's
  title and the printed page header), the header in row 1, frozen, with an autofilter, every
  column as wide as its title and its first rows need, numbers as numbers with their format
  (EUR `#,##0.00 €`, percent `0.0 %`, dates in the reader's short date format).
- `csv(columns, rows)` → bytes: semicolon-separated UTF-8 with a BOM, German decimal comma,
  percent columns as points (11,4), dates as 31.12.2026.
- `response(columns, rows, *, fmt, title, filename)`: the HttpResponse for "csv" or "xlsx".
- Rounding: every figure is rounded half up to its places (kam.core.money.round_half_up), the
  same rule as the pages' `money`, `percent` and `number` filters, so screen and file agree.

Safe cells: any stored text is written without failing and never as a formula.

- CSV: a text that a spreadsheet could read as a formula gets a leading apostrophe. That covers the
  ASCII starts (= + - @, tab, CR, LF) and their full-width and small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫
  and the like), which Excel and LibreOffice also take for the formula characters.
- XLSX: text cells are written as strings (cell type "s"), which no spreadsheet evaluates, so no
  apostrophe is needed there and none shows.
- Both: control characters (NUL and the rest of C0, except tab and line feed) are removed; XML,
  and so XLSX, cannot hold them at all.
"""

import csv as csv_module
import datetime
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kam.core.money import percent_points, round_half_up

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
    writer = csv_module.writer(buffer, delimiter=";")
    for line in lines:
        writer.writerow(["" if cell is None else german_number(cell) for cell in neutralise(line)])
    return buffer.getvalue().encode("utf-8")


# --- declared exports: columns with a kind, written as CSV or as an XLSX people can use

TEXT, INTEGER, DECIMAL, EUR, PERCENT, DATE, DATETIME = (
    "text",
    "integer",
    "decimal",
    "eur",
    "percent",
    "date",
    "datetime",
)
_PLACES = {INTEGER: 0, DECIMAL: 1, EUR: 2, PERCENT: 1}
#: Column widths (characters) a kind needs at least, whatever its title.
_MIN_WIDTH = {TEXT: 8, INTEGER: 8, DECIMAL: 10, EUR: 14, PERCENT: 9, DATE: 11, DATETIME: 16}
_MAX_WIDTH = 60
#: Rows read ahead to size the text columns (the rest is written as it streams).
_SAMPLE_ROWS = 200
#: openpyxl's names for Excel's built-in short date (14) and date-time (22) formats, which each
#: reader sees in the format of their own language (31.12.2026 or 12/31/2026).
_EXCEL_DATE = "mm-dd-yy"
_EXCEL_DATETIME = "m/d/yy h:mm"


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], object]
    kind: str = TEXT
    places: int | None = None
    width: int | None = None

    @property
    def decimals(self) -> int:
        return _PLACES.get(self.kind, 0) if self.places is None else self.places

    def excel_format(self) -> str:
        zeros = "0." + "0" * self.decimals if self.decimals else "0"
        return {
            INTEGER: "#,##0",
            DECIMAL: "#,##" + zeros,
            EUR: f'#,##{zeros} "€";-#,##{zeros} "€"',
            PERCENT: f"{zeros} %",
            DATE: _EXCEL_DATE,
            DATETIME: _EXCEL_DATETIME,
        }.get(self.kind, "@")


def _number(column: Column, value):
    """The cell's number, rounded half up as on the pages (a percent stays a fraction)."""
    if column.kind == PERCENT:
        return percent_points(value, column.decimals) / 100  # type: ignore[operator]
    return round_half_up(value, column.decimals)


def _local(value: datetime.datetime) -> datetime.datetime:
    """Spreadsheets know no time zones: the local wall-clock time."""
    if value.tzinfo is None:
        return value
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None)


def _csv_value(column: Column, value):
    if value is None:
        return None
    if column.kind == PERCENT:
        return percent_points(value, column.decimals)
    if column.kind in _PLACES and not isinstance(value, str):
        return round_half_up(value, column.decimals)
    if column.kind == DATETIME and isinstance(value, datetime.datetime):
        return f"{_local(value):%d.%m.%Y %H:%M}"
    if column.kind in (DATE, DATETIME) and isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    return value


def csv(columns: Sequence[Column], rows: Iterable) -> bytes:
    """The header and one line per row; see the module's docstring."""
    lines = itertools.chain(
        [[column.title for column in columns]],
        ([_csv_value(c, c.value(row)) for c in columns] for row in rows),
    )
    return as_csv(lines)


def _shown_length(column: Column, value) -> int:
    if value is None:
        return 0
    if column.kind in _PLACES and not isinstance(value, str):
        digits = len(f"{abs(round_half_up(value, 0)):,}")
        return digits + column.decimals + 4
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(columns: Sequence[Column], sample: list[list]) -> list[int]:
    widths = []
    for index, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = max(
            [len(column.title), _MIN_WIDTH[column.kind]]
            + [_shown_length(column, values[index]) for values in sample]
        )
        widths.append(min(longest, _MAX_WIDTH) + 2)
    return widths


def _sheet_name(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    name = " ".join(re.sub(r"[\[\]:*?/\\]", " ", clean_text(title)).split())
    return name[:31] or "Export"


def xlsx(columns: Sequence[Column], rows: Iterable, *, title: str) -> bytes:
    """One sheet; see the module's docstring. Streams the rows (write-only workbook), reading
    the first few ahead to size the columns."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    values = ([column.value(row) for column in columns] for row in rows)
    sample = list(itertools.islice(values, _SAMPLE_ROWS))
    workbook = Workbook(write_only=True)
    workbook.properties.title = clean_text(title)
    sheet = workbook.create_sheet(title=_sheet_name(title))
    for index, width in enumerate(_widths(columns, sample), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}1"
    sheet.oddHeader.center.text = clean_text(title).replace("&", "&&")
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def heading(text: str):
        cell = WriteOnlyCell(sheet, value=clean_text(text))
        cell.data_type, cell.font, cell.alignment = "s", bold, wrap
        return cell

    def cell(column: Column, value):
        if value is None:
            return None
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value=clean_text(value))
            text.data_type = "s"  # openpyxl would take a leading "=" for a formula
            return text
        if column.kind in _PLACES:
            value = float(_number(column, value))
        elif isinstance(value, datetime.datetime):
            value = _local(value)
        elif isinstance(value, Decimal):
            value = float(value)
        number = WriteOnlyCell(sheet, value=value)
        number.number_format = column.excel_format()
        return number

    sheet.append([heading(column.title) for column in columns])
    count = 0
    for line in itertools.chain(sample, values):
        sheet.append([cell(column, value) for column, value in zip(columns, line, strict=True)])
        count += 1
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def response(columns: Sequence[Column], rows: Iterable, *, fmt: str, title: str, filename: str):
    """The download of `rows` as "csv" or "xlsx" (`filename` without its suffix)."""
    from django.http import HttpResponse

    body = xlsx(columns, rows, title=title) if fmt == "xlsx" else csv(columns, rows)
    download = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    safe_name = re.sub(r"[^\w.-]", "_", filename) or "export"
    download["Content-Disposition"] = f'attachment; filename="{safe_name}.{fmt}"'
    return download
