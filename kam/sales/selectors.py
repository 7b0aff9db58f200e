"""Reads of sales: imports and a few indexed line queries for one account.

Account figures (monthly facts, 12 months, growth, margin rate, group sums) are read in
`kam.sales.figures`, nowhere else.
"""

import datetime

from django.db.models import Count, QuerySet, Sum

from kam.core.permissions import can_import_sales
from kam.sales.figures import Window
from kam.sales.models import SalesImport, SalesLine


def imports_visible_to(user) -> QuerySet[SalesImport]:
    """Imports touch every account, so only users with the import right see them."""
    if not can_import_sales(user):
        return SalesImport.objects.none()
    return SalesImport.objects.select_related("user")


def import_report(record: SalesImport) -> dict:
    """A stored import's report: the JSON that `kam import-sales --report` writes."""
    return {
        "files": record.file_names,
        "rows": record.rows,
        "imported": record.imported,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "duplicates_in_file": record.duplicates_in_file,
        "rejected": [
            {
                "file": rejection.file,
                "line": rejection.line,
                "column": rejection.column,
                "value": rejection.value,
                "reason": rejection.reason,
                "code": rejection.code or None,
            }
            for rejection in record.rejections.iterator(chunk_size=2000)
        ],
    }


def account_top_products(account, *, window: Window, limit: int = 10) -> list:
    """One account's best products in the window: an indexed query over its own lines."""
    return list(
        SalesLine.objects.filter(
            account=account,
            invoice_month__gte=window.first_month,
            invoice_month__lte=window.last_month,
        )
        .values("product_number", "product_name")
        .annotate(
            revenue_cents=Sum("net_revenue_cents"),
            margin_cents=Sum("margin_cents"),
            lines=Count("id"),
        )
        .order_by("-revenue_cents")[:limit]
    )


def account_last_invoices(account, *, today: datetime.date, limit: int = 10) -> list:
    """The latest invoices up to today (an invoice dated in the future is not yet a sale)."""
    return list(
        SalesLine.objects.filter(account=account, invoice_date__lte=today)
        .values("invoice_number", "invoice_date")
        .annotate(
            revenue_cents=Sum("net_revenue_cents"),
            margin_cents=Sum("margin_cents"),
            lines=Count("id"),
        )
        .order_by("-invoice_date", "-invoice_number")[:limit]
    )
