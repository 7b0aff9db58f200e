"""Reading a product catalogue export (CSV/XLSX) with the sales import's reading code: the same
encoding, delimiter, header and number-style detection, the same German sentences for bad
values. Pure Python (no Django): rows in, rows and rejections out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kam.sales.reading import FileRefused, RejectedRow
from kam.sales.reading.csv_source import CsvSource
from kam.sales.reading.encoding import detect_encoding
from kam.sales.reading.mapping import normalize_heading, unique_headings
from kam.sales.reading.messages import row_reason
from kam.sales.reading.numbers import NumberError, detect_number_style, parse_cents
from kam.sales.reading.reader import (
    DEFAULT_MAX_XLSX_BYTES,
    DEFAULT_MAX_XLSX_RATIO,
    DEFAULT_MAX_XLSX_UNCOMPRESSED_BYTES,
)
from kam.sales.reading.xlsx_source import AMOUNT, TEXT, XlsxSource, check_xlsx

SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": (
        "Artikelnummer",
        "Artikel-Nr.",
        "Art.-Nr.",
        "Materialnummer",
        "Material",
        "Product number",
        "SKU",
        "Item number",
    ),
    "name": ("Bezeichnung", "Artikelbezeichnung", "Artikelname", "Name", "Product name"),
    "group": ("Warengruppe", "Produktgruppe", "Artikelgruppe", "Product group", "Group"),
    "unit": ("Einheit", "Mengeneinheit", "ME", "Unit"),
    "list_price": ("Listenpreis", "VK-Preis", "Verkaufspreis", "Preis", "List price", "Price"),
    "standard_cost": (
        "Standardkosten",
        "Einstandspreis",
        "Herstellkosten",
        "Standard cost",
        "Cost",
    ),
    "active": ("Aktiv", "Status", "Active"),
}
LABELS = {
    "number": "Artikelnummer",
    "name": "Bezeichnung",
    "group": "Warengruppe",
    "unit": "Einheit",
    "list_price": "Listenpreis",
    "standard_cost": "Standardkosten",
    "active": "Aktiv",
}
REQUIRED = ("number", "name", "list_price")
_NORMALIZED = {
    normalize_heading(synonym): field for field, names in SYNONYMS.items() for synonym in names
}
_INACTIVE = {"nein", "no", "0", "false", "falsch", "inaktiv", "inactive", "gesperrt", "n"}
#: The group path's separators: "Elektro > Kabel > NYM" or "Elektro/Kabel/NYM".
_GROUP_SEPARATORS = (">", "/", "|")
MAX_GROUP_LEVELS = 3


@dataclass(frozen=True)
class CatalogueRow:
    line: int
    number: str
    name: str
    group_path: tuple[str, ...]
    unit: str
    list_price: Decimal
    standard_cost: Decimal | None
    active: bool


def _source(path: Path):
    with path.open("rb") as file:
        magic = file.read(4)
    if magic == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        check_xlsx(
            path,
            max_bytes=DEFAULT_MAX_XLSX_BYTES,
            max_uncompressed_bytes=DEFAULT_MAX_XLSX_UNCOMPRESSED_BYTES,
            max_ratio=DEFAULT_MAX_XLSX_RATIO,
        )
        return XlsxSource(path, sheet=None)
    return CsvSource(path, detect_encoding(path))


def detect_columns(headings: list[str]) -> dict[str, int]:
    """Field → column index for every recognised heading; the first match of a field wins."""
    columns: dict[str, int] = {}
    for index, heading in enumerate(headings):
        field = _NORMALIZED.get(normalize_heading(heading))
        if field is not None and field not in columns:
            columns[field] = index
    missing = [LABELS[field] for field in REQUIRED if field not in columns]
    if missing:
        raise FileRefused(
            "required_column_missing", field=", ".join(missing), headings=", ".join(headings)
        )
    return columns


def read_catalogue(path: str | Path) -> tuple[list[CatalogueRow], list[RejectedRow]]:
    """Valid rows and rejected rows (with line, column and a German reason), or FileRefused."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise FileRefused("file_empty")
    source = _source(path)
    headings = unique_headings(source.raw_headings)
    columns = detect_columns(headings)
    money_columns = [columns[f] for f in ("list_price", "standard_cost") if f in columns]
    kinds = [AMOUNT if index in money_columns else TEXT for index in range(len(headings))]
    style = detect_number_style(source.written_values(money_columns, 2000))
    rows: list[CatalogueRow] = []
    rejected: list[RejectedRow] = []
    for lines, records in source.blocks(1024, kinds=kinds, style=style):
        for line, record in zip(lines, records, strict=True):
            if not any(value.strip() for value in record):
                continue
            result = _row(line, record, columns, style)
            if isinstance(result, CatalogueRow):
                rows.append(result)
            else:
                rejected.append(result)
    return rows, rejected


def _value(record: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def _reject(line: int, field: str, value: str | None, code: str, **params) -> RejectedRow:
    column = LABELS[field]
    reason = row_reason(code, column=column, value=value, **params)
    return RejectedRow(line=line, column=column, value=value, reason=reason, code=code)


def _money(value: str, style) -> Decimal:
    return Decimal(parse_cents(value, style)).scaleb(-2)


def _row(
    line: int, record: list[str], columns: dict[str, int], style
) -> CatalogueRow | RejectedRow:
    values = {field: _value(record, columns, field) for field in SYNONYMS}
    for field in REQUIRED:
        if not values[field]:
            return _reject(line, field, None, "missing_value")
    prices: dict[str, Decimal | None] = {"standard_cost": None}
    for field in ("list_price", "standard_cost"):
        if not values[field]:
            continue
        try:
            prices[field] = _money(values[field], style)
        except NumberError as error:
            return _reject(line, field, values[field], error.code)
        if prices[field] < 0:  # type: ignore[operator]
            return RejectedRow(
                line=line,
                column=LABELS[field],
                value=values[field],
                reason=f"Der Preis „{values[field]}“ in Spalte „{LABELS[field]}“ ist negativ.",
                code="price_negative",
            )
    path = _group_path(values["group"])
    if len(path) > MAX_GROUP_LEVELS:
        return RejectedRow(
            line=line,
            column=LABELS["group"],
            value=values["group"],
            reason=(
                f"Die Warengruppe „{values['group']}“ hat {len(path)} Ebenen; "
                f"erlaubt sind höchstens {MAX_GROUP_LEVELS}."
            ),
            code="group_too_deep",
        )
    return CatalogueRow(
        line=line,
        number=values["number"][:60],
        name=values["name"][:200],
        group_path=path,
        unit=(values["unit"] or "Stk")[:20],
        list_price=prices["list_price"],  # type: ignore[arg-type]
        standard_cost=prices["standard_cost"],
        active=values["active"].casefold() not in _INACTIVE,
    )


def _group_path(text: str) -> tuple[str, ...]:
    for separator in _GROUP_SEPARATORS:
        if separator in text:
            return tuple(part.strip()[:100] for part in text.split(separator) if part.strip())
    return (text[:100],) if text else ()
