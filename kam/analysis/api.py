"""JSON API of stored analysis results and monthly sales; margins only with the permission."""

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from kam.accounts.selectors import accounts_visible_to
from kam.analysis.selectors import account_latest_result
from kam.sales.selectors import account_sales

router = Router(tags=["analysis"])


class MonthOut(Schema):
    month: date
    revenue: float
    margin: float | None


class ResultOut(Schema):
    as_of: date
    revenue_12m: float
    margin_12m: float | None
    abc_revenue: str
    abc_margin: str | None
    xyz: str
    p_alive: float | None
    expected_revenue_12m: float
    forecast_low_12m: float | None
    forecast_high_12m: float | None
    clv_12m: float | None
    score: float | None
    rank_today: int
    rank_tomorrow: int
    status_proposal: str


def _euros(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


@router.get("/{account_id}/sales", response=list[MonthOut])
def account_monthly_sales(request, account_id: int):
    """Revenue (and margin) per month of the last 36 months, from the monthly facts."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    margins = request.user.can_view_margins
    sales = account_sales(account, today=timezone.localdate())
    return [
        {
            "month": m.month,
            "revenue": m.revenue_cents / 100,
            "margin": m.margin_cents / 100 if margins else None,
        }
        for m in sales.months
    ]


@router.get("/{account_id}/analysis", response=ResultOut)
def account_analysis(request, account_id: int):
    """The account's result in the latest analysis run."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    result = account_latest_result(account)
    if result is None:
        raise Http404("No analysis has run for this account yet.")
    margins = request.user.can_view_margins
    return {
        "as_of": result.run.as_of,
        "revenue_12m": result.revenue_12m_cents / 100,
        "margin_12m": _euros(result.margin_12m_cents) if margins else None,
        "abc_revenue": result.abc_revenue,
        "abc_margin": result.abc_margin if margins else None,
        "xyz": result.xyz,
        "p_alive": result.p_alive,
        "expected_revenue_12m": result.expected_revenue_12m_cents / 100,
        "forecast_low_12m": _euros(result.forecast_low_cents),
        "forecast_high_12m": _euros(result.forecast_high_cents),
        "clv_12m": _euros(result.clv_12m_cents),
        "score": result.score,
        "rank_today": result.rank_today,
        "rank_tomorrow": result.rank_tomorrow,
        "status_proposal": result.status_proposal,
    }
