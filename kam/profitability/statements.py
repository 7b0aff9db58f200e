"""Computing the statements: sales facts (kam.sales.figures), cost drivers (the apps'
`cost_drivers.py`, see kam.core.plugins) and the rates of each month go in; one row per account
and month comes out. The full recomputation and the incremental update are this one function
over more or fewer accounts and months.

Millions of facts and drivers go through numpy arrays, not objects: the drivers' terms (which
rate, how many minutes) are looked up once per kind, role and month (`pricing.terms`), the
costs priced for whole arrays, summed per account and month, and DB I-IV computed by
kam_analytics.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from kam.core import plugins
from kam.profitability.models import CostRates
from kam.profitability.pricing import (
    CARE,
    CONDITIONS,
    MONEY,
    PIECE,
    SERVICE,
    TIME,
    RateCard,
    terms,
)
from kam.sales import figures
from kam_analytics.profitability import Statement, contribution_margins, time_costs_cents

#: The months a full recomputation covers: three years up to the running month.
STATEMENT_MONTHS = 36
STAGES = (CONDITIONS, CARE, SERVICE)


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


@dataclass
class Costs:
    """Cost per account and month (month as an index, year x 12 + month - 1), in cents."""

    account_id: np.ndarray
    month: np.ndarray
    cents: np.ndarray
    stage: np.ndarray  # index into STAGES


def _empty_costs() -> Costs:
    empty = np.zeros(0, dtype=np.int64)
    return Costs(empty, empty, empty, empty)


def driver_costs(drivers: list[plugins.CostDriver], cards: dict) -> Costs:
    """Every driver priced with the terms of its month's rates."""
    if not drivers:
        return _empty_costs()
    account_ids, months, kinds, details, roles, quantities, amounts = zip(*drivers, strict=True)
    combos: dict[tuple, int] = {}
    index = np.fromiter(
        (
            combos.setdefault(c, len(combos))
            for c in zip(months, kinds, details, roles, strict=True)
        ),
        dtype=np.int64,
        count=len(drivers),
    )
    table = [
        terms(plugins.CostDriver(0, month, kind, detail, role), cards.get(month))
        for month, kind, detail, role in combos
    ]
    mode = np.array([t.mode for t in table], dtype=np.int64)[index]
    minutes = np.array([t.minutes for t in table], dtype=np.int64)[index]
    rate = np.array([t.rate_cents for t in table], dtype=np.int64)[index]
    stage = np.array([STAGES.index(t.stage) for t in table], dtype=np.int64)[index]
    quantity = np.array(quantities, dtype=np.int64)
    cents = np.where(
        mode == MONEY,
        np.array(amounts, dtype=np.int64),
        np.where(mode == PIECE, quantity * rate, 0),
    )
    timed = mode == TIME
    cents[timed] = time_costs_cents(minutes[timed], rate[timed], quantity[timed])
    month_numbers = {month: figures.month_index(month) for month, *_rest in combos}
    month_index = np.fromiter((month_numbers[m] for m in months), dtype=np.int64, count=len(months))
    return Costs(np.array(account_ids, dtype=np.int64), month_index, cents, stage)


def logistics_costs(facts: dict[str, np.ndarray], cards: dict) -> Costs:
    """Handling per invoice and logistics per invoice line, from the facts' counts."""
    per_month = {figures.month_index(month): card for month, card in cards.items() if card}
    if not any(card.invoice_cents or card.line_cents for card in per_month.values()):
        return _empty_costs()
    months = facts["month"]
    unique, inverse = np.unique(months, return_inverse=True)
    cards_of = [per_month.get(int(month)) for month in unique]
    invoice_rate = np.array([c.invoice_cents if c else 0 for c in cards_of], dtype=np.int64)
    line_rate = np.array([c.line_cents if c else 0 for c in cards_of], dtype=np.int64)
    cents = facts["invoices"] * invoice_rate[inverse] + facts["lines"] * line_rate[inverse]
    stage = np.full(len(months), STAGES.index(SERVICE), dtype=np.int64)
    return Costs(facts["account_id"], months, cents, stage)


@dataclass
class StatementTable:
    """One row per account and month: the inputs and DB I-IV, as arrays."""

    account_id: np.ndarray
    month: np.ndarray  # month index
    revenue: np.ndarray
    condition_cost: np.ndarray
    care_cost: np.ndarray
    service_cost: np.ndarray
    statement: Statement

    def __len__(self) -> int:
        return len(self.account_id)


def statement_table(
    *, first_month: datetime.date, last_month: datetime.date, account_ids: list[int] | None
) -> StatementTable:
    """Revenue, DB I, the three kinds of cost and DB II-IV per account and month."""
    cards = rate_cards(month_range(first_month, last_month))
    facts = figures.monthly_total_arrays(
        first=first_month, last=last_month, account_ids=account_ids
    )
    drivers = plugins.cost_drivers(
        first_month=first_month, last_month=last_month, account_ids=account_ids
    )
    costs = [driver_costs(drivers, cards), logistics_costs(facts, cards)]
    keys = np.concatenate(
        [statement_key(facts["account_id"], facts["month"])]
        + [statement_key(c.account_id, c.month) for c in costs]
    )
    unique, inverse = np.unique(keys, return_inverse=True)
    rows = len(unique)
    fact_rows, cost_rows = inverse[: len(facts["month"])], inverse[len(facts["month"]) :]
    revenue, margin = (
        _sum(rows, fact_rows, facts["revenue"]),
        _sum(rows, fact_rows, facts["margin"]),
    )
    cents, stage = (
        np.concatenate([c.cents for c in costs]),
        np.concatenate([c.stage for c in costs]),
    )
    by_stage = [_sum(rows, cost_rows[stage == i], cents[stage == i]) for i in range(len(STAGES))]
    return StatementTable(
        account_id=unique >> 12,
        month=(unique & 4095) + MONTH_BASE,
        revenue=revenue,
        condition_cost=by_stage[0],
        care_cost=by_stage[1],
        service_cost=by_stage[2],
        statement=contribution_margins(
            margin=margin,
            condition_cost=by_stage[0],
            care_cost=by_stage[1],
            service_cost=by_stage[2],
        ),
    )


#: Month indexes are stored relative to 01/1990 in 12 bits of the key (340 years).
MONTH_BASE = 1990 * 12


def statement_key(account_id: np.ndarray, month: np.ndarray) -> np.ndarray:
    """One sortable integer per account and month (month as an index)."""
    return (account_id.astype(np.int64) << 12) | (month.astype(np.int64) - MONTH_BASE)


def _sum(size: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    total = np.zeros(size, dtype=np.int64)
    np.add.at(total, rows, values.astype(np.int64))
    return total
