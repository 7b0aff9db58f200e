"""What the reader hands to the importer: valid rows, rejected rows, or a refused file."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from .messages import FIELD_LABELS, file_reason

#: Optional cost figures some ERP exports have per line (in cents on the sales line as
#: ``<field>_cents``); kam.profitability counts them into the service cost (DB IV).
ERP_COST_FIELDS: tuple[str, ...] = ("freight", "packaging", "handling")
CANONICAL_FIELDS: tuple[str, ...] = (
    "customer_number",
    "customer_name",
    "invoice_number",
    "line_number",
    "invoice_date",
    "product_number",
    "product_name",
    "quantity",
    "net_revenue",
    "contribution_margin",
    "cost",
    "currency",
    "sales_rep",
    *ERP_COST_FIELDS,
)
REQUIRED_FIELDS: tuple[str, ...] = (
    "customer_number",
    "invoice_number",
    "invoice_date",
    "net_revenue",
)


@dataclass(slots=True)
class SalesRow:
    """One valid invoice line. Money is in integer cents."""

    line: int
    customer_number: str
    customer_name: str | None
    invoice_number: str
    line_number: int
    invoice_date: datetime.date
    product_number: str
    product_name: str
    quantity: Decimal | None
    net_revenue_cents: int
    margin_cents: int | None
    cost_cents: int | None
    currency: str | None
    sales_rep: str
    # The ERP's optional cost figures of the line (freight, packaging, special handling).
    freight_cents: int | None = None
    packaging_cents: int | None = None
    handling_cents: int | None = None


#: The order of the values of a staged row (``SalesFile.iter_staged``): the natural key, the
#: customer, then the values. Dates are ISO text, quantities text, money integer cents.
STAGED_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "line_number",
    "customer_number",
    "invoice_date",
    "product_number",
    "product_name",
    "quantity",
    "net_revenue",
    "contribution_margin",
    "cost",
    "currency",
    "sales_rep",
    *ERP_COST_FIELDS,
)
#: A file without any of the ERP's cost columns stages its rows without them.
NARROW_STAGED_FIELDS = tuple(field for field in STAGED_FIELDS if field not in ERP_COST_FIELDS)


@dataclass(slots=True)
class RejectedRow:
    """One record that cannot be imported, with a sentence a clerk understands."""

    line: int
    column: str | None
    value: str | None
    reason: str
    code: str


class FileRefused(Exception):
    """The file cannot be used as a whole; ``str(exc)`` is a German sentence."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(file_reason(code, **params))

    def __reduce__(self) -> tuple:
        # Made again from its code and parameters (its args hold the sentence): the import's
        # reader process hands it to the importing one (kam.sales.reader_process).
        return _file_refused, (self.code, self.params)


def _file_refused(code: str, params: dict) -> FileRefused:
    return FileRefused(code, **params)


def field_label(name: str) -> str:
    """The German label of a canonical field, e.g. ``Rechnungsdatum``."""
    return FIELD_LABELS.get(name, name)


@dataclass(slots=True)
class StagedBlock:
    """A block of records as the importer's fast path takes them (``SalesFile.iter_staged``)."""

    lines: list[int]  # the physical line of each staged row
    # The valid rows, as tuples in STAGED_FIELDS order (NARROW_STAGED_FIELDS for a file
    # without the ERP's cost columns).
    staged: list[tuple]
    names: list[str | None]  # the customer name of each staged row
    rejected: list[RejectedRow]
