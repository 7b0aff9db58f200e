"""Stored analysis runs and results for the cockpit tests (the cockpit only reads them)."""

from datetime import date

from kam.analysis.models import AccountResult, Quadrant
from kam.analysis.tests.factories import make_run

__all__ = ["make_result", "make_run", "analysed_portfolio"]


def make_result(run, account, *, revenue: int, **fields) -> AccountResult:
    """One stored result; `revenue` in euros, the rest from plausible defaults."""
    values = {
        "revenue_12m_cents": revenue * 100,
        "margin_12m_cents": revenue * 25,
        "revenue_prev_12m_cents": revenue * 80,
        "abc_revenue": "A",
        "abc_margin": "A",
        "xyz": "X",
        "rfm_recency": 5,
        "rfm_frequency": 5,
        "rfm_monetary": 5,
        "rfm_segment": "champions",
        "last_purchase": date(2025, 6, 20),
        "share_revenue": 0.1,
        "share_margin": 0.1,
        "p_alive": 0.9,
        "expected_transactions_12m": 20.0,
        "expected_revenue_12m_cents": revenue * 110,
        "expected_margin_12m_cents": revenue * 27,
        "clv_12m_cents": revenue * 30,
        "score": 70.0,
        "rank_today": 1,
        "rank_tomorrow": 1,
        "attractiveness": 60.0,
        "position": 55.0,
        "quadrant": Quadrant.STAR,
        **fields,
    }
    return AccountResult.objects.create(run=run, account=account, **values)


def analysed_portfolio(accounts: list, *, run=None, revenues=None) -> tuple:
    """A finished run with results for the accounts: revenues falling, ranks in that order,
    tomorrow's ranks reversed; classes A, B, C, C, … by position."""
    revenues = revenues or [100_000 // (i + 1) for i in range(len(accounts))]
    total = sum(revenues)
    run = run or make_run(
        revenue_12m_cents=total * 100,
        margin_12m_cents=total * 25,
        account_count=len(accounts),
        concentration={
            "revenue": {
                "top1_share": 0.4,
                "top5_share": 0.9,
                "top10_share": 1.0,
                "hhi": 0.25,
                "gini": 0.5,
            },
            "margin": {
                "top1_share": 0.41,
                "top5_share": 0.91,
                "top10_share": 1.0,
                "hhi": 0.26,
                "gini": 0.51,
            },
        },
        lorenz={"revenue": [[0, 0], [0.5, 0.2], [1, 1]]},
    )
    n = len(accounts)
    results = [
        make_result(
            run,
            account,
            revenue=revenue,
            abc_revenue="ABC"[min(i, 2)],
            share_revenue=revenue / total,
            rank_today=i + 1,
            rank_tomorrow=n - i,
        )
        for i, (account, revenue) in enumerate(zip(accounts, revenues, strict=True))
    ]
    return run, results
