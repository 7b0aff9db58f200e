"""Computing the statements: sales facts (kam.sales.figures), cost drivers (the apps'
`cost_drivers.py`, see kam.core.plugins) and the rates of each month go in; one row per account
and month comes out. The full recomputation and the incremental update are this one function
over more or fewer accounts and months.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import numpy as np
from django.db.models import Q

from kam.core import plugins
from kam.profitability.models import AccountStatement, CostRates
from kam.profitability.pricing import CARE, CONDITIONS, SERVICE, RateCard, logistics_cents, price
from kam.sales import figures
from kam_analytics.profitability import contribution_margins

#: The months a full recomputation covers: three years up to the running month.
STATEMENT_MONTHS = 36
#: Positions in a row while it is summed up.
REVENUE, DB1 = 0, 1
COST_INDEX = {CONDITIONS: 2, CARE: 3, SERVICE: 4}

Key = tuple[int, datetime.date]


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    count = figures.month_index(last) - figures.month_index(first) + 1
    return figures.months_ending(last, count) if count > 0 else []


def rate_cards(months: Iterable[datetime.date]) -> dict[datetime.date, RateCard | None]:
    """The rates valid in each month (None where leadership has set none)."""
    months = list(months)
    if not months:
        return {}
    first, last = min(months), max(months)
    cards = [
        RateCard.of(rates)
        for rates in CostRates.objects.filter(valid_from__lte=last).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first)
        )
    ]
    return {month: _card_of(cards, month) for month in months}


def _card_of(cards: list[RateCard], month: datetime.date) -> RateCard | None:
    for card in cards:
        if card.valid_from <= month and (card.valid_until is None or month <= card.valid_until):
            return card
    return None


def summed_rows(
    *, first_month: datetime.date, last_month: datetime.date, account_ids: list[int] | None
) -> dict[Key, list[int]]:
    """Revenue, DB I and the three kinds of cost per account and month, in cents."""
    cards = rate_cards(month_range(first_month, last_month))
    rows: dict[Key, list[int]] = {}
    facts = figures.monthly_totals(first=first_month, last=last_month, account_ids=account_ids)
    for account_id, month, revenue, margin, invoices, lines in facts:
        service = logistics_cents(cards.get(month), invoices=invoices, lines=lines)
        rows[(account_id, month)] = [revenue, margin, 0, 0, service]
    drivers = plugins.cost_drivers(
        first_month=first_month, last_month=last_month, account_ids=account_ids
    )
    for driver in drivers:
        priced = price(driver, cards.get(driver.month))
        row = rows.get((driver.account_id, driver.month))
        if row is None:
            row = rows[(driver.account_id, driver.month)] = [0, 0, 0, 0, 0]
        row[COST_INDEX[priced.stage]] += priced.cents
    return rows


def statement_rows(rows: dict[Key, list[int]]) -> list[AccountStatement]:
    """The rows as statements, DB I to DB IV computed by kam_analytics in one go."""
    if not rows:
        return []
    keys = list(rows)
    table = np.array([rows[key] for key in keys], dtype=np.int64)
    statement = contribution_margins(
        margin=table[:, DB1],
        condition_cost=table[:, COST_INDEX[CONDITIONS]],
        care_cost=table[:, COST_INDEX[CARE]],
        service_cost=table[:, COST_INDEX[SERVICE]],
    )
    columns = zip(
        table.tolist(),
        statement.db2.tolist(),
        statement.db3.tolist(),
        statement.db4.tolist(),
        strict=True,
    )
    return [
        AccountStatement(
            account_id=account_id,
            month=month,
            revenue_cents=values[REVENUE],
            db1_cents=values[DB1],
            condition_cost_cents=values[2],
            care_cost_cents=values[3],
            service_cost_cents=values[4],
            db2_cents=db2,
            db3_cents=db3,
            db4_cents=db4,
        )
        for (account_id, month), (values, db2, db3, db4) in zip(keys, columns, strict=True)
    ]
