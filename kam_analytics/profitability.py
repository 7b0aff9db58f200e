"""Account profitability (Kundendeckungsbeitragsrechnung) and cost-to-serve: pure arithmetic.

Every amount is integer cents (numpy int64 arrays or Python ints), never a float: the statement
of an account equals a hand calculation to the cent.

- The steps of the statement: DB I = revenue - cost of goods (the ERP's contribution margin),
  DB II = DB I - special-condition cost, DB III = DB II - sales care cost,
  DB IV = DB III - service cost.
- Time-driven activity-based costing: an effort of `minutes` at an hourly rate costs
  minutes x rate / 60, rounded half up to the cent once per priced line.
- The roll-up over a group: a group's figure is its own plus every member's below it.
- The whale curve: cumulative DB IV over the accounts ranked from the most to the least
  profitable, with its peak and the accounts that destroy profit.
- Over- and under-served: care cost against the share of DB I an account's class is entitled to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics.errors import AnalyticsInputError

Cents = NDArray[np.int64]


def _cents(values: ArrayLike, name: str) -> Cents:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise AnalyticsInputError(f"{name} must be integer cents, not {array.dtype}")
    return array.astype(np.int64, copy=False)


@dataclass(frozen=True)
class Statement:
    """DB I to DB IV of each row (an account and month, or any sum of them)."""

    db1: Cents
    db2: Cents
    db3: Cents
    db4: Cents


def contribution_margins(
    *,
    margin: ArrayLike,
    condition_cost: ArrayLike,
    care_cost: ArrayLike,
    service_cost: ArrayLike,
) -> Statement:
    """The four contribution margins from DB I (the ERP's margin) and the three kinds of cost."""
    db1 = _cents(margin, "margin")
    db2 = db1 - _cents(condition_cost, "condition_cost")
    db3 = db2 - _cents(care_cost, "care_cost")
    db4 = db3 - _cents(service_cost, "service_cost")
    if not (db1.shape == db2.shape == db3.shape == db4.shape):
        raise AnalyticsInputError("margin and costs must have the same length")
    return Statement(db1=db1, db2=db2, db3=db3, db4=db4)


def time_cost_cents(minutes: int, hourly_rate_cents: int, count: int = 1) -> int:
    """`count` efforts of `minutes` each at an hourly rate: rounded half up to the cent."""
    if minutes < 0 or hourly_rate_cents < 0 or count < 0:
        raise AnalyticsInputError("minutes, rates and counts cannot be negative")
    return (count * minutes * hourly_rate_cents + 30) // 60


def time_costs_cents(minutes: ArrayLike, hourly_rate_cents: ArrayLike, count: ArrayLike) -> Cents:
    """`time_cost_cents` for whole arrays at once (the full recomputation)."""
    effort = _cents(count, "count") * _cents(minutes, "minutes") * _cents(hourly_rate_cents, "rate")
    if (effort < 0).any():
        raise AnalyticsInputError("minutes, rates and counts cannot be negative")
    return (effort + 30) // 60


def roll_up(parent_of: Mapping[int, int | None], values: Mapping[int, int]) -> dict[int, int]:
    """Each account's value plus the values of every member below it (any depth).

    `parent_of` maps every account to its parent (None at the top); accounts missing from
    `values` count 0. A cycle (which the accounts app refuses) raises instead of looping.
    """
    totals: dict[int, int] = dict.fromkeys(parent_of, 0)
    for account, value in values.items():
        seen: set[int] = set()
        node: int | None = account
        while node is not None:
            if node in seen:
                raise AnalyticsInputError(f"the group of account {account} has a cycle")
            seen.add(node)
            totals[node] = totals.get(node, 0) + value
            node = parent_of.get(node)
    return totals


@dataclass(frozen=True)
class WhaleCurve:
    """Cumulative profit over accounts ranked by profit, most profitable first."""

    order: NDArray[np.intp]  # indices into the input, most profitable first
    cumulative: Cents  # cumulative profit after each ranked account
    total: int
    peak_index: int  # the ranked position (0-based) where the curve is highest; -1 if empty
    peak: int
    destroyers: int  # accounts with a negative profit

    @property
    def peak_accounts(self) -> int:
        """How many accounts earn the peak."""
        return self.peak_index + 1

    @property
    def peak_account_share(self) -> float:
        return self.peak_accounts / len(self.order) if len(self.order) else 0.0

    @property
    def peak_profit_share(self) -> float | None:
        """The peak as a share of the total profit (1.5 = the best accounts earn 150 %);
        None when the total is not positive."""
        return float(Fraction(self.peak, self.total)) if self.total > 0 else None


def whale_curve(profits: ArrayLike) -> WhaleCurve:
    """The whale curve of the accounts' profits (ties keep their input order)."""
    values = _cents(profits, "profits")
    order = np.argsort(-values, kind="stable")
    cumulative = np.cumsum(values[order]) if len(values) else np.zeros(0, dtype=np.int64)
    peak_index = int(np.argmax(cumulative)) if len(values) else -1
    return WhaleCurve(
        order=order,
        cumulative=cumulative.astype(np.int64),
        total=int(values.sum()),
        peak_index=peak_index,
        peak=int(cumulative[peak_index]) if len(values) else 0,
        destroyers=int((values < 0).sum()),
    )


def care_entitlement_cents(db1_cents: int, share_percent: Fraction | int) -> int:
    """The care cost an account is entitled to: its class's share of a positive DB I."""
    if db1_cents <= 0:
        return 0
    return int(Fraction(db1_cents) * Fraction(share_percent) / 100)


def is_over_served(*, care_cost_cents: int, entitlement_cents: int) -> bool:
    """More care than the class's share of DB I pays for (any care when DB I is not positive)."""
    return care_cost_cents > entitlement_cents


def is_under_served(
    *, care_cost_cents: int, entitlement_cents: int, floor: Fraction = Fraction(1, 4)
) -> bool:
    """Care far below the entitlement: less than `floor` of it (a quarter by default)."""
    return entitlement_cents > 0 and care_cost_cents < entitlement_cents * floor


@dataclass(frozen=True)
class CadenceServed:
    """Over- and under-served by the contact cadence, per account (in the input's order)."""

    over: NDArray[np.bool_]
    under: NDArray[np.bool_]


def cadence_served(
    db4_cents: ArrayLike, contacts: ArrayLike, target: ArrayLike, *, tolerance: float = 0.0
) -> CadenceServed:
    """An account whose contacts exceed what its cadence asks for (`target`, NaN without a
    rule) while its DB IV is low (the least profitable third, or below zero) is over-served; a
    high-DB IV account (the most profitable third, above zero) with fewer contacts than its
    cadence asks for is under-served. `tolerance` widens the band around the target (0.2: more
    than 120 % is "exceeds", less than 80 % "below")."""
    db4 = _cents(db4_cents, "db4_cents")
    done = np.asarray(contacts, dtype=float)
    asked = np.asarray(target, dtype=float)
    if not (db4.shape == done.shape == asked.shape):
        raise AnalyticsInputError("DB IV, contacts and targets must have the same length")
    ranked = np.empty(len(db4), dtype=np.int64)
    ranked[np.argsort(-db4, kind="stable")] = np.arange(len(db4))  # 0 = most profitable
    third = len(db4) / 3
    low = (ranked >= len(db4) - third) | (db4 < 0)
    high = (ranked < third) & (db4 > 0)
    ruled = ~np.isnan(asked) & (np.nan_to_num(asked) > 0)
    with np.errstate(invalid="ignore"):
        over = ruled & (done > asked * (1 + tolerance)) & low
        under = ruled & (done < asked * (1 - tolerance)) & high
    return CadenceServed(over=over, under=under)


def mean_by_class(values: ArrayLike, classes: ArrayLike) -> dict[str, float]:
    """The mean of the known values (NaN left out) per class, e.g. the DB IV margin of the
    A accounts that a status proposal compares an account's with; each account counts once.
    A class without a known value has no mean."""
    value = np.asarray(values, dtype=np.float64)
    label = np.asarray(classes).astype(str)
    if value.shape != label.shape:
        raise AnalyticsInputError("values and classes must have the same length")
    known = ~np.isnan(value)
    return {
        str(name): float(value[known & (label == name)].mean()) for name in np.unique(label[known])
    }
