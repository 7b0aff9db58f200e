"""Monthly facts and analysis objects for the analysis tests."""

from datetime import date

from kam.analysis.models import AnalysisRun, RunStatus, StatusProposal
from kam.sales.figures import month_end, month_from_index, month_index
from kam.sales.models import MonthlyFact


def add_facts(account, months: dict[date, int], *, margin_rate: float = 0.25, days: int = 2):
    """Facts for the given months (first of month → revenue in euros), bought on the 5th/20th."""
    MonthlyFact.objects.bulk_create(
        MonthlyFact(
            account=account,
            month=month,
            revenue_cents=euros * 100,
            margin_cents=round(euros * 100 * margin_rate),
            line_count=days * 3,
            invoice_count=days,
            purchase_days=days,
            first_purchase=month.replace(day=5),
            last_purchase=min(month.replace(day=20), month_end(month)),
        )
        for month, euros in months.items()
        if euros
    )


def months_ending(last: date, values: list[int]) -> dict[date, int]:
    """{month: value} for consecutive months ending with `last` (first of month)."""
    start = month_index(last) - len(values) + 1
    return {month_from_index(start + i): value for i, value in enumerate(values)}


def make_run(as_of=date(2025, 6, 30), **fields) -> AnalysisRun:
    from django.utils import timezone

    values = {"status": RunStatus.DONE, "currency": "EUR", **fields}
    return AnalysisRun.objects.create(
        as_of=as_of, started_at=timezone.now(), finished_at=timezone.now(), **values
    )


def make_proposal(account, run=None, *, from_status="none", to_status="candidate"):
    return StatusProposal.objects.create(
        account=account,
        run=run or make_run(),
        from_status=from_status,
        to_status=to_status,
        reason="Score 70 von 100",
    )
