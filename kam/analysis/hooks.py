"""Analysis's plug-in hooks (the contracts are in kam.core.plugins)."""

from kam.analysis.models import AnalysisRun, RunTrigger
from kam.analysis.tasks import run_analysis


def on_sales_import_finished(sales_import) -> None:
    """New sales are in: queue an analysis of today's data, so the import never waits for it."""
    run_analysis.enqueue(trigger=RunTrigger.IMPORT)


def on_facts_changed() -> None:
    """An import chunk changed monthly facts: the sums per calendar period that runs stored
    ahead may be out of date, so they are no longer read (the cockpit reads the facts) until
    the run the finished import queues stores new ones."""
    AnalysisRun.objects.exclude(period_totals={}).update(period_totals={})
