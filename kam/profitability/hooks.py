"""Profitability's plug-in hooks (the contracts are in kam.core.plugins)."""

from kam.profitability import services
from kam.profitability.tasks import refresh_statements


def on_sales_import_finished(sales_import) -> None:
    """New revenue and margin: recompute the statements in the worker."""
    refresh_statements.enqueue()


def on_cost_drivers_changed(*, account_id: int, months: list) -> None:
    """One account's activities or complaints changed: update just its months, at once."""
    services.statements_refresh_account(account_id=account_id, months=months)
