"""Analysis's plug-in hooks (the contracts are in kam.core.plugins)."""

from kam.analysis.models import RunTrigger
from kam.analysis.tasks import run_analysis


def on_sales_import_finished(sales_import) -> None:
    """New sales are in: queue an analysis of today's data, so the import never waits for it."""
    run_analysis.enqueue(trigger=RunTrigger.IMPORT)
