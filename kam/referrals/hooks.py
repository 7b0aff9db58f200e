"""Referrals' plug-in hooks (the contracts are in kam.core.plugins)."""

from kam.referrals.tasks import refresh_potential_facts


def on_sales_import_finished(sales_import) -> None:
    """New sales lines: their product groups feed the potential and the whitespace grid."""
    refresh_potential_facts.enqueue()
