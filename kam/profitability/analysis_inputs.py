"""Profitability's input to the key-account score (the contract is in kam.core.plugins)."""

from datetime import date

from django.db.models import Sum

from kam.profitability.models import AccountStatement
from kam.sales.figures import add_months, last_complete_month


def account_criteria(*, as_of: date) -> dict[str, dict[int, float]]:
    """DB IV as a share of net revenue in the 12 months up to `as_of` (what is left after
    conditions, care and service per euro), for the accounts with revenue in them."""
    last = last_complete_month(as_of)
    rows = (
        AccountStatement.objects.filter(month__gte=add_months(last, -11), month__lte=last)
        .values("account_id")
        .annotate(revenue=Sum("revenue_cents"), db4=Sum("db4_cents"))
        .filter(revenue__gt=0)
        .values_list("account_id", "revenue", "db4")
    )
    return {"profitability": {account: db4 / revenue for account, revenue, db4 in rows}}
