"""Test helpers: which spools an import used, and whether one left anything behind."""

from django.db import connection

from kam.sales import spool as spools
from kam.sales.staging_columns import ROW_NAMES


def record_spools(monkeypatch) -> list:
    """Records every spool the importer creates from now on."""
    created: list = []
    real = spools.for_this_database

    def recorded(folder, **options):
        created.append(real(folder, **options))
        return created[-1]

    monkeypatch.setattr(spools, "for_this_database", recorded)
    return created


def spool_left(spool: spools.Spool) -> bool:
    if isinstance(spool, spools.ChunkSpool):
        return spool.path.exists()
    prefix = spool.table(0).removesuffix("0")
    return any(name.startswith(prefix) for name in connection.introspection.table_names())


def spooled_row(
    line: int, *, customer: str = "K1", invoice: str | None = None, revenue_cents: int = 100
) -> tuple:
    """A staged row as a spool stores it (ROW_NAMES order): position 1 of an invoice of
    3 February 2025, from file line ``line`` (invoice ``R<line>`` unless given)."""
    values = {
        "invoice_number": f"R{line}" if invoice is None else invoice,
        "line_number": 1,
        "customer_number": customer,
        "invoice_date": "2025-02-03",
        "net_revenue_cents": revenue_cents,
        "currency": "EUR",
        "product_number": "",
        "product_name": "",
        "sales_rep": "",
        "source_line": line,
        "repeat_candidate": False,
    }
    return tuple(values.get(name) for name in ROW_NAMES)
