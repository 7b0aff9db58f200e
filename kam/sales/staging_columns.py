"""The columns of a staged chunk (no Django here: the reader thread writes them too, see
kam.sales.spool)."""

#: The staged values, in the order the reader stages them (kam.sales.reading.STAGED_FIELDS).
STAGED_COLUMNS = (
    ("invoice_number", "text"),
    ("line_number", "integer"),
    ("customer_number", "text"),
    ("invoice_date", "date"),
    ("product_number", "text"),
    ("product_name", "text"),
    ("quantity", "numeric"),
    ("net_revenue_cents", "bigint"),
    ("margin_cents", "bigint"),
    ("cost_cents", "bigint"),
    ("currency", "text"),
    ("sales_rep", "text"),
    ("freight_cents", "bigint"),
    ("packaging_cents", "bigint"),
    ("handling_cents", "bigint"),
)
STAGED_NAMES = tuple(name for name, _ in STAGED_COLUMNS)

#: What the reader adds to each staged row (kam.sales.pipeline.SortedChunk.rows): its physical
#: line, and whether its key may have come in an earlier chunk of the file (KeyFilter).
ROW_COLUMNS = (*STAGED_COLUMNS, ("source_line", "integer"), ("repeat_candidate", "boolean"))
ROW_NAMES = tuple(name for name, _ in ROW_COLUMNS)

#: The ERP's optional cost figures (on the sales line, and summed in the monthly fact that
#: kam.sales.figures.monthly_totals_query gives kam.profitability): a file without them
#: stages its rows without them (NULL in every row, they cost the reader a third more time
#: spooling: 0.8 CPU s a million lines).
ERP_COST_COLUMNS = ("freight_cents", "packaging_cents", "handling_cents")
NARROW_ROW_COLUMNS = tuple(column for column in ROW_COLUMNS if column[0] not in ERP_COST_COLUMNS)
NARROW_ROW_NAMES = tuple(name for name, _ in NARROW_ROW_COLUMNS)


def row_columns(width: int) -> tuple[tuple[str, str], ...]:
    """The columns of staged rows of this many values (with or without the ERP's costs)."""
    return ROW_COLUMNS if width == len(ROW_COLUMNS) else NARROW_ROW_COLUMNS


def row_names(width: int) -> tuple[str, ...]:
    return ROW_NAMES if width == len(ROW_NAMES) else NARROW_ROW_NAMES
