"""The account 360° figures: KPI tiles and the monthly chart with the forecast.

The tiles' revenue, growth and margin rate are the account's figures from `kam.sales.figures`
(the last 12 complete months as of today, as in the sales tab and the API); class, score, CLV,
P(alive) and the forecast come from the account's latest `AccountResult`. The chart shows 24
months of facts up to the run's last complete month, then the run's 12-month forecast spread
evenly over the 12 months after it, with the band from `forecast_low/high_cents` when stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from kam.accounts.models import Account
from kam.analysis.models import AccountResult
from kam.analysis.selectors import account_latest_result
from kam.sales import figures
from kam.sales.figures import AccountFigures

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


def _per_month(cents: int | None) -> int | None:
    return None if cents is None else round(cents / FORECAST_MONTHS)


def account_chart(
    account: Account, result: AccountResult | None, *, today: datetime.date
) -> list[ChartMonth]:
    """24 months of actual revenue and margin, then 12 forecast months (when analysed)."""
    last = figures.last_complete_month(result.run.as_of if result else today)
    history = figures.monthly_series(
        account, first=figures.add_months(last, 1 - HISTORY_MONTHS), last=last
    )
    months = [ChartMonth(m.month, m.revenue_cents, m.margin_cents) for m in history]
    if result is None:
        return months
    for step in range(1, FORECAST_MONTHS + 1):
        months.append(
            ChartMonth(
                figures.add_months(last, step),
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
    sales: AccountFigures

    @property
    def margin_rate(self) -> float | None:
        return self.sales.margin_rate


def account_tiles(account: Account, *, today: datetime.date) -> AccountTiles:
    return AccountTiles(
        result=account_latest_result(account),
        sales=figures.account_figures(account, as_of=today, history_months=0),
    )


@dataclass
class GroupMember:
    account: Account | None
    figures: figures.MemberFigures
    forecast_cents: int | None


@dataclass
class GroupOverview:
    figures: figures.GroupFigures
    forecast_cents: int | None
    members: list[GroupMember]


def group_overview(account: Account, *, user, today: datetime.date) -> GroupOverview:
    """The group's combined figures (facts of the last 12 complete months as of today) and the
    sum of its accounts' forecasts from the latest analysis, with each member's share."""
    from kam.accounts.selectors import accounts_visible_to
    from kam.analysis.selectors import latest_run

    group = figures.group_figures(account, as_of=today)
    ids = [m.account_id for m in group.members]
    run = latest_run()
    forecasts: dict[int, int] = (
        dict(
            AccountResult.objects.filter(run=run, account_id__in=ids).values_list(
                "account_id", "expected_revenue_12m_cents"
            )
        )
        if run
        else {}
    )
    names = accounts_visible_to(user).only("id", "name", "customer_number").in_bulk(ids)
    return GroupOverview(
        figures=group,
        forecast_cents=sum(forecasts.values()) if forecasts else None,
        members=[
            GroupMember(names.get(m.account_id), m, forecasts.get(m.account_id))
            for m in group.members
        ],
    )
