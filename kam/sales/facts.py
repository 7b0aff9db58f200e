"""Monthly account facts, recomputed from the sales lines of exactly the months an import touched.

Recomputing a touched (account, month) from its lines, instead of adding deltas, keeps distinct
counts (invoices, purchase days) exact and makes the refresh idempotent.
"""

from django.db import connection

from kam.sales.models import MonthlyFact, SalesLine

ACCOUNTS_PER_STATEMENT = 2000


def _aggregate_into_facts(where: str) -> str:
    return f"""
        INSERT INTO {MonthlyFact._meta.db_table} (account_id, month, revenue_cents, margin_cents,
            line_count, invoice_count, purchase_days, first_purchase, last_purchase)
        SELECT account_id, invoice_month, SUM(net_revenue_cents), COALESCE(SUM(margin_cents), 0),
            COUNT(*), COUNT(DISTINCT invoice_number), COUNT(DISTINCT invoice_date),
            MIN(invoice_date), MAX(invoice_date)
        FROM {SalesLine._meta.db_table} {where}
        GROUP BY account_id, invoice_month
    """  # noqa: S608 (table names from the models, values are parameters)


def refresh(touched: set[tuple[int, str]]) -> None:
    """Recomputes the facts of the touched (account id, ISO month) pairs.

    The accounts × months cross product is a superset of the touched pairs; recomputing a pair
    that did not change is harmless, and `account IN (…) AND month IN (…)` walks the
    (account, month) index directly, which is much faster than matching row values.
    """
    accounts = sorted({account for account, _ in touched})
    months = sorted({month for _, month in touched})
    for start in range(0, len(accounts), ACCOUNTS_PER_STATEMENT):
        _refresh_batch(accounts[start : start + ACCOUNTS_PER_STATEMENT], months)


def _refresh_batch(accounts: list[int], months: list[str]) -> None:
    account_marks = ", ".join(["%s"] * len(accounts))
    month_marks = ", ".join(["%s"] * len(months))
    params: list[int | str] = [*accounts, *months]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {MonthlyFact._meta.db_table} "  # noqa: S608
            f"WHERE account_id IN ({account_marks}) AND month IN ({month_marks})",
            params,
        )
        cursor.execute(
            _aggregate_into_facts(
                f"WHERE account_id IN ({account_marks}) AND invoice_month IN ({month_marks})"
            ),
            params,
        )


def rebuild_all() -> None:
    """Recomputes every fact from the lines (a repair tool; imports keep facts current)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MonthlyFact._meta.db_table}")  # noqa: S608
        cursor.execute(_aggregate_into_facts(""))
