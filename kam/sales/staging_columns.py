"""The columns of a staged chunk: its rows and their month totals (no Django here: the reader
thread writes them too, see kam.sales.spool)."""

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
)

#: A chunk's rows summed up by customer and month (kam.sales.pipeline.month_totals).
MONTH_TOTAL_COLUMNS = (
    ("customer_number", "text"),
    ("month", "date"),
    ("revenue_cents", "bigint"),
    ("margin_cents", "bigint"),
    ("line_count", "integer"),
    ("invoice_count", "integer"),
    ("purchase_days", "integer"),
    ("first_purchase", "date"),
    ("last_purchase", "date"),
)
