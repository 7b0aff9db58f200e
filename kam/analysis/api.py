"""JSON API of an account's figures, monthly sales and stored analysis result; margins only with
the permission. Money is a decimal string with two places (`kam.core.schema.Money`)."""

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Router, Schema

from kam.accounts.selectors import accounts_visible_to
from kam.analysis.selectors import account_latest_result
from kam.core.api_errors import MAX_ID, responses
from kam.core.permissions import can_view_margins
from kam.core.schema import Money, money
from kam.sales import figures

router = Router(tags=["analysis"])
ACCOUNT_ID = Path(..., ge=1, le=MAX_ID)


class MonthOut(Schema):
    month: date
    revenue: Money
    margin: Money | None


class WindowOut(Schema):
    """The last `months` complete months as of `as_of`: from `first_month` to `last_month`."""

    as_of: date
    months: int
    first_month: date
    last_month: date
    label: str


class FiguresOut(Schema):
    window: WindowOut
    revenue_12m: Money
    revenue_prev_12m: Money
    growth: float | None
    margin_12m: Money | None
    margin_rate: float | None
    group_revenue_12m: Money | None
    last_purchase: date | None


class ResultOut(Schema):
    as_of: date
    revenue_12m: Money
    margin_12m: Money | None
    abc_revenue: str
    abc_margin: str | None
    xyz: str
    p_alive: float | None
    expected_revenue_12m: Money
    forecast_low_12m: Money | None
    forecast_high_12m: Money | None
    clv_12m: Money | None
    score: float | None
    rank_today: int
    rank_tomorrow: int
    status_proposal: str


def _window(window: figures.Window) -> dict:
    return {
        "as_of": window.as_of,
        "months": window.months,
        "first_month": window.first_month,
        "last_month": window.last_month,
        "label": window.label,
    }


@router.get("/{account_id}/figures", response=responses(FiguresOut, 404))
def account_sales_figures(request, account_id: int = ACCOUNT_ID):
    """Revenue, growth and margin of the last 12 complete months as of today, as on the pages."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    margins = can_view_margins(request.user)
    sales = figures.account_figures(account, as_of=timezone.localdate(), history_months=0)
    return {
        "window": _window(sales.window),
        "revenue_12m": sales.revenue,
        "revenue_prev_12m": sales.revenue_prev,
        "growth": sales.growth,
        "margin_12m": sales.margin if margins else None,
        "margin_rate": sales.margin_rate if margins else None,
        "group_revenue_12m": sales.group_revenue,
        "last_purchase": sales.last_purchase,
    }


@router.get("/{account_id}/sales", response=responses(list[MonthOut], 404))
def account_monthly_sales(request, account_id: int = ACCOUNT_ID):
    """Revenue (and margin) per month of the last 36 complete months, from the monthly facts."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    margins = can_view_margins(request.user)
    sales = figures.account_figures(account, as_of=timezone.localdate())
    return [
        {
            "month": m.month,
            "revenue": money(m.revenue_cents),
            "margin": money(m.margin_cents) if margins else None,
        }
        for m in sales.months
    ]


@router.get("/{account_id}/analysis", response=responses(ResultOut, 404))
def account_analysis(request, account_id: int = ACCOUNT_ID):
    """The account's result in the latest analysis run (its figures as of the run's date)."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    result = account_latest_result(account)
    if result is None:
        raise Http404("No analysis has run for this account yet.")
    margins = can_view_margins(request.user)
    return {
        "as_of": result.run.as_of,
        "revenue_12m": money(result.revenue_12m_cents),
        "margin_12m": money(result.margin_12m_cents) if margins else None,
        "abc_revenue": result.abc_revenue,
        "abc_margin": result.abc_margin if margins else None,
        "xyz": result.xyz,
        "p_alive": result.p_alive,
        "expected_revenue_12m": money(result.expected_revenue_12m_cents),
        "forecast_low_12m": money(result.forecast_low_cents),
        "forecast_high_12m": money(result.forecast_high_cents),
        "clv_12m": money(result.clv_12m_cents),
        "score": result.score,
        "rank_today": result.rank_today,
        "rank_tomorrow": result.rank_tomorrow,
        "status_proposal": result.status_proposal,
    }
