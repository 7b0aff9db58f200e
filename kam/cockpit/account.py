"""The account 360° figures: KPI tiles and the monthly chart with the forecast, from stored data.

Reads the account's latest `AccountResult` and its monthly facts (24 months); the forecast is
the run's 12-month figure spread evenly over the 12 months after the run, with the band from
`forecast_low/high_cents` when the analysis stores one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from kam.accounts.models import Account
from kam.analysis.models import AccountResult
from kam.analysis.selectors import account_latest_result
from kam.sales.models import MonthlyFact
from kam.sales.selectors import months_back

HISTORY_MONTHS = 24
FORECAST_MONTHS = 12


@dataclass
class ChartMonth:
    month: datetime.date
    revenue_cents: int | None = None
    margin_cents: int | None = None
    forecast_cents: int | None = None
    forecast_margin_cents: int | None = None
    low_cents: int | None = None
    high_cents: int | None = None


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _last_complete_month(as_of: datetime.date) -> datetime.date:
    """The run's trailing 12 months end with the last complete month on as_of."""
    if _next_month(as_of) - datetime.timedelta(days=1) == as_of:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _per_month(cents: int | None) -> int | None:
    return None if cents is None else round(cents / FORECAST_MONTHS)


def account_chart(
    account: Account, result: AccountResult | None, *, today: datetime.date
) -> list[ChartMonth]:
    """24 months of actual revenue and margin, then 12 forecast months (when analysed)."""
    last = _last_complete_month(result.run.as_of) if result else today.replace(day=1)
    window = months_back(last, HISTORY_MONTHS)
    facts: dict[datetime.date, dict] = {
        row["month"]: dict(row)
        for row in MonthlyFact.objects.filter(
            account=account, month__gte=window[0], month__lte=window[-1]
        ).values("month", "revenue_cents", "margin_cents")
    }
    months = [
        ChartMonth(
            m, facts.get(m, {}).get("revenue_cents", 0), facts.get(m, {}).get("margin_cents", 0)
        )
        for m in window
    ]
    if result is None:
        return months
    month = last
    for _ in range(FORECAST_MONTHS):
        month = _next_month(month)
        months.append(
            ChartMonth(
                month,
                forecast_cents=_per_month(result.expected_revenue_12m_cents),
                forecast_margin_cents=_per_month(result.expected_margin_12m_cents),
                low_cents=_per_month(result.forecast_low_cents),
                high_cents=_per_month(result.forecast_high_cents),
            )
        )
    return months


@dataclass
class AccountTiles:
    result: AccountResult | None

    @property
    def margin_rate(self) -> float | None:
        if self.result is None or self.result.revenue_12m_cents <= 0:
            return None
        return self.result.margin_12m_cents / self.result.revenue_12m_cents


def account_tiles(account: Account) -> AccountTiles:
    return AccountTiles(result=account_latest_result(account))
