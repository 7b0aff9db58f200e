"""Test helpers: lines stored as an earlier import left them, and staged rows to match them."""

import datetime

from kam.accounts.models import Account
from kam.sales.models import SalesLine


def store_lines(count: int) -> None:
    """``count`` lines of customer K-1, invoices R-0, R-1, … (position 1) of 15.03.2025 over
    100 EUR."""
    account = Account.objects.create(customer_number="K-1", name="Kunde")
    SalesLine.objects.bulk_create(
        SalesLine(
            account=account,
            invoice_number=f"R-{i}",
            line_number=1,
            invoice_date=datetime.date(2025, 3, 15),
            invoice_month=datetime.date(2025, 3, 1),
            net_revenue_cents=10000,
        )
        for i in range(count)
    )


def staged_row(invoice: str, customer: str) -> tuple:
    """A staged row (ROW_COLUMNS order): 100 EUR of one piece on 15.03.2025."""
    staged = (invoice, 1, customer, "2025-03-15", "P-1", "Schraube", "1", 10000, 2000)
    return (*staged, None, "EUR", "", None, None, None, 1, False)
