"""Turns a block of raw records into ``SalesRow`` and ``RejectedRow`` objects, column by column."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from itertools import compress, repeat
from typing import Any

from .columns import (
    AmountColumn,
    CurrencyColumn,
    DateColumn,
    DateTextColumn,
    Errors,
    InvoiceLineCounter,
    PositionColumn,
    QuantityColumn,
    QuantityTextColumn,
    control_errors,
    strip_text,
    text_or_none,
    visible_controls,
)
from .messages import row_reason
from .model import (
    ERP_COST_FIELDS,
    NARROW_STAGED_FIELDS,
    STAGED_FIELDS,
    RejectedRow,
    SalesRow,
    StagedBlock,
)
from .numbers import NumberStyle

# The order in which a row's problems are looked for; a rejected row reports the first one.
_CHECK_ORDER = (
    "customer_number",
    "invoice_number",
    "invoice_date",
    "net_revenue",
    "line_number",
    "quantity",
    "contribution_margin",
    "cost",
    "freight",
    "packaging",
    "handling",
    "currency",
    "customer_name",
    "product_number",
    "product_name",
    "sales_rep",
)

Output = SalesRow | RejectedRow
# Fields a file may leave out that stay empty then (a column absent costs one ``repeat``).
_OPTIONAL_FIELDS = (
    "customer_name",
    "quantity",
    "contribution_margin",
    "cost",
    "currency",
    *ERP_COST_FIELDS,
)


def line_breaks(record: Iterable[str]) -> int:
    """How many physical line ends the quoted fields of a record contain."""
    return sum(
        field.count("\n") + field.count("\r") - field.count("\r\n")
        for field in record
        if "\n" in field or "\r" in field
    )


class BlockConverter:
    """Converts blocks of records of one file; keeps caches and invoice counts across blocks."""

    def __init__(
        self,
        *,
        headings: Sequence[str],
        mapping: dict[str, str],
        number_style: NumberStyle,
        year_pivot: int,
        latest_date: date | None = None,
    ) -> None:
        self._width = len(headings)
        self._mapping = mapping
        self._index = {field: list(headings).index(heading) for field, heading in mapping.items()}
        self._amounts = AmountColumn(number_style)
        self._dates = DateColumn(year_pivot, latest_date)
        self._quantities = QuantityColumn(number_style)
        # The same checks, giving the text a value is staged as (ISO dates, quantities as
        # written by Decimal): cached per written value, no conversion per row.
        self._date_texts = DateTextColumn(year_pivot, latest_date)
        self._quantity_texts = QuantityTextColumn(number_style)
        self._currencies = CurrencyColumn()
        self._positions = PositionColumn()
        self._invoice_lines = InvoiceLineCounter()
        erp_costs = any(field in mapping for field in ERP_COST_FIELDS)
        self._staged_fields = STAGED_FIELDS if erp_costs else NARROW_STAGED_FIELDS

    def convert(self, lines: list[int], records: list[list[str]]) -> list[Output]:
        """Rows in file order for records starting at the given physical lines."""
        shape_rejects: list[Output] = []
        if list(map(len, records)).count(self._width) != len(records):
            lines, records, shape_rejects = self._sort_out_shapes(lines, records)
        rows = self._convert_records(lines, records) if records else []
        if shape_rejects:
            rows = sorted(rows + shape_rejects, key=operator.attrgetter("line"))
        return rows

    def _sort_out_shapes(
        self, lines: list[int], records: list[list[str]]
    ) -> tuple[list[int], list[list[str]], list[Output]]:
        """Drops blank records, trims empty trailing extra fields, rejects wrong field counts.

        Only the records of another width are looked at (a few in a block of a thousand).
        """
        records = list(records)
        keep = [True] * len(records)
        rejects: list[Output] = []
        fit = self._fit(lines, rejects)
        for i in compress(range(len(records)), map(self._width.__ne__, map(len, records))):
            record = fit(i, records[i])
            if record is None:
                keep[i] = False
            else:
                records[i] = record
        return list(compress(lines, keep)), list(compress(records, keep)), rejects

    def _fit(
        self, lines: list[int], rejects: list[Any]
    ) -> Callable[[int, list[str]], list[str] | None]:
        """What becomes of record ``i`` of another width: cut to the width if its extra fields
        are empty, else left out (None), and rejected unless the whole record is blank."""
        width = self._width

        def fit(i: int, record: list[str]) -> list[str] | None:
            if len(record) > width and not any(field.strip() for field in record[width:]):
                return record[:width]
            if any(field.strip() for field in record):
                rejects.append(self._wrong_shape(lines[i], record))
            return None

        return fit

    def _wrong_shape(self, line: int, record: list[str]) -> RejectedRow:
        breaks = line_breaks(record)
        code = "unclosed_quote" if breaks else "field_count"
        if breaks and record[-1].endswith(("\n", "\r")):
            breaks -= 1  # The file's last line end, swallowed by a quote that never closed.
        params = {"found": len(record), "expected": self._width}
        reason = row_reason(code, line=line, end_line=line + breaks, **params)
        return RejectedRow(line=line, column=None, value=None, reason=reason, code=code)

    def _column(self, columns: list[tuple[str, ...]], field: str) -> tuple[str, ...] | None:
        index = self._index.get(field)
        return None if index is None else columns[index]

    def convert_staged(self, lines: list[int], records: Any) -> StagedBlock:
        """The valid records as staged tuples (STAGED_FIELDS order, without the ERP's costs for a
        file without their columns), the others rejected. ``records``: a list of records, or
        a block that may give its columns at once (csv_source.UnquotedBlock).

        The same checks as ``convert``, without an object per row: the importer's fast path.
        """
        rejected: list[RejectedRow] = []
        columns = None
        if hasattr(records, "fitted_columns"):
            # A line of another width is split on its own (and rejected, cut or left out as
            # _sort_out_shapes does); the others stay columns.
            fitted = records.fitted_columns(self._width, self._fit(lines, rejected))
            if fitted is None:
                records = records.records()
            else:
                columns, records, kept = fitted
                lines = lines if kept is None else [lines[i] for i in kept]
        if columns is None and list(map(len, records)).count(self._width) != len(records):
            lines, records, rejected = self._sort_out_shapes(lines, records)  # type: ignore[assignment]
        if not len(records):
            return StagedBlock(lines=[], staged=[], names=[], rejected=rejected)
        values, errors = self._columns(records, staged=True, columns=columns)
        # Fields the file leaves out are endless repeats: strict=False stops at the columns' end.
        staged = list(zip(*(values[field] for field in self._staged_fields), strict=False))
        names = values["customer_name"]
        names = names if isinstance(names, list) else [None] * len(staged)
        problems = self._first_problems(errors)
        if problems:
            rejected += self._rejected_rows(problems, lines, records).values()
            keep = [True] * len(records)
            for i in problems:
                keep[i] = False
            lines = list(compress(lines, keep))
            staged = list(compress(staged, keep))
            names = list(compress(names, keep))
            if rejected:
                rejected.sort(key=operator.attrgetter("line"))
        return StagedBlock(lines=lines, staged=staged, names=names, rejected=rejected)

    def _columns(
        self, records: list[list[str]], *, staged: bool = False, columns: list | None = None
    ) -> tuple[dict[str, Any], dict[str, Errors]]:
        """Each field's converted values (``staged``: dates and quantities as the text they are
        staged as) and each field's problems (``columns``: the records' columns, if known)."""
        if columns is None:
            columns = list(zip(*records, strict=True))
        errors: dict[str, Errors] = {}
        values: dict[str, Any] = {}
        for field, convert in self._converters(staged=staged):
            column = self._column(columns, field)
            if column is None:
                values[field] = None
            else:
                values[field], errors[field] = convert(column)
        self._complete(values)
        return values, errors

    def _first_problems(self, errors: dict[str, Errors]) -> dict[int, tuple[str, str]]:
        """Index → (field, code) of each record's first problem, in the order of _CHECK_ORDER."""
        first_problem: dict[int, tuple[str, str]] = {}
        for field in _CHECK_ORDER:
            for i, code in errors.get(field, {}).items():
                first_problem.setdefault(i, (field, code))
        return first_problem

    def _rejected_rows(
        self, problems: dict[int, tuple[str, str]], lines: list[int], records: list[list[str]]
    ) -> dict[int, RejectedRow]:
        """Index → rejected row of the records with problems; blank records are left out."""
        rejected = {}
        for i, (field, code) in problems.items():
            record = records[i]
            if not any(value.strip() for value in record):
                continue
            heading = self._mapping[field]
            value = visible_controls(record[self._index[field]])
            reason = row_reason(code, column=heading, value=value)
            rejected[i] = RejectedRow(
                line=lines[i], column=heading, value=value, reason=reason, code=code
            )
        return rejected

    def _convert_records(self, lines: list[int], records: list[list[str]]) -> list[Output]:
        values, errors = self._columns(records)
        rows: list[Output] = list(
            map(
                SalesRow,
                lines,
                values["customer_number"],
                values["customer_name"],
                values["invoice_number"],
                values["line_number"],
                values["invoice_date"],
                values["product_number"],
                values["product_name"],
                values["quantity"],
                values["net_revenue"],
                values["contribution_margin"],
                values["cost"],
                values["currency"],
                values["sales_rep"],
                values["freight"],
                values["packaging"],
                values["handling"],
            )
        )
        return self._replace_rejected(rows, lines, records, errors)

    def _converters(self, *, staged: bool = False) -> list[tuple[str, Any]]:
        def text(column: Sequence[str]) -> tuple[list[str], Errors]:
            return strip_text(column, required=False)

        def amount(column: Sequence[str]) -> tuple[list[int | None], Errors]:
            return self._amounts.convert(column, required=False)

        def name(column: Sequence[str]) -> tuple[list[str | None], Errors]:
            return text_or_none(column), control_errors(column)

        dates = self._date_texts if staged else self._dates
        quantities = self._quantity_texts if staged else self._quantities
        return [
            ("customer_number", lambda column: strip_text(column, required=True)),
            ("invoice_number", lambda column: strip_text(column, required=True)),
            ("invoice_date", lambda column: dates.convert(column, required=True)),
            ("net_revenue", lambda column: self._amounts.convert(column, required=True)),
            ("line_number", lambda column: self._positions.convert(column, required=True)),
            ("quantity", lambda column: quantities.convert(column, required=False)),
            *((field, amount) for field in ("contribution_margin", "cost", *ERP_COST_FIELDS)),
            ("currency", lambda column: self._currencies.convert(column, required=False)),
            ("customer_name", name),
            ("product_number", text),
            ("product_name", text),
            ("sales_rep", text),
        ]

    def _complete(self, values: dict[str, Any]) -> None:
        """Fills what the file leaves out: line numbers, margins, empty texts."""
        if values["line_number"] is None:
            values["line_number"] = self._invoice_lines.number(values["invoice_number"])
        values["contribution_margin"] = _margins(
            values["net_revenue"], values["contribution_margin"], values["cost"]
        )
        for field in ("product_number", "product_name", "sales_rep"):
            if values[field] is None:
                values[field] = repeat("")
        for field in _OPTIONAL_FIELDS:
            if values[field] is None:
                values[field] = repeat(None)

    def _replace_rejected(
        self,
        rows: list[Output],
        lines: list[int],
        records: list[list[str]],
        errors: dict[str, Errors],
    ) -> list[Output]:
        problems = self._first_problems(errors)
        if not problems:
            return rows
        rejected = self._rejected_rows(problems, lines, records)
        for i, row in rejected.items():
            rows[i] = row
        blank = problems.keys() - rejected.keys()
        if blank:
            rows = [row for i, row in enumerate(rows) if i not in blank]
        return rows


def _margins(
    revenues: list[int | None], margins: list[int | None] | None, costs: list[int | None] | None
) -> list[int | None] | None:
    """Margin as given; revenue minus cost where only the cost is given."""
    if costs is None:
        return margins
    if margins is None:
        if None not in revenues and None not in costs:
            return list(map(operator.sub, revenues, costs))  # type: ignore[arg-type]
        margins = [None] * len(revenues)
    elif None not in margins:
        return margins
    return [
        margin if margin is not None or revenue is None or cost is None else revenue - cost
        for margin, revenue, cost in zip(margins, revenues, costs, strict=True)
    ]
