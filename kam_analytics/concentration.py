"""How much the company depends on few accounts: shares, top-n shares, HHI, Gini, Lorenz curve,
dependency alerts and "what if we lose this account (or this group of accounts)" scenarios.

Shares are taken of the positive values only: an account with net credit notes or a negative
margin holds a share of 0 and does not inflate the others. Loss scenarios, in contrast, use the
values as they are: losing a loss-making account honestly raises the remaining margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics._arrays import (
    FloatArray,
    as_float_vector,
    require_non_empty,
    require_same_length,
)
from kam_analytics.errors import AnalyticsInputError


def shares(values: ArrayLike) -> FloatArray:
    """Each account's share of the positive total (0..1, summing to 1)."""
    positive = np.clip(as_float_vector(values, "values"), 0, None)
    require_non_empty(positive, "values")
    total = positive.sum()
    if total <= 0:
        raise AnalyticsInputError("shares need a positive total; every value is zero or negative")
    return np.asarray(positive / total, dtype=np.float64)


def top_share(values: ArrayLike, n: int) -> float:
    """Combined share of the n largest accounts."""
    if n < 1:
        raise AnalyticsInputError("n must be at least 1")
    share = np.sort(shares(values))[::-1]
    return float(share[:n].sum())


def herfindahl_index(values: ArrayLike) -> float:
    """Sum of squared shares: 1/n for n equal accounts, 1 for a single account."""
    share = shares(values)
    return float(share @ share)


def gini_coefficient(values: ArrayLike) -> float:
    """Gini of the positive values: 0 when all accounts are equal, (n−1)/n when one has it all."""
    share = np.sort(shares(values))
    n = len(share)
    rank = np.arange(1, n + 1)
    return float(((2 * rank - n - 1) @ share) / n)


def lorenz_curve(values: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Points (share of accounts, share of value) from (0, 0) to (1, 1), smallest accounts first."""
    share = np.sort(shares(values))
    accounts = np.arange(len(share) + 1) / len(share)
    return accounts, np.concatenate(([0.0], np.cumsum(share)))


@dataclass(frozen=True)
class ConcentrationSummary:
    n_accounts: int
    total: float
    top1_share: float
    top5_share: float
    top10_share: float
    herfindahl_index: float
    gini: float


def concentration_summary(values: ArrayLike) -> ConcentrationSummary:
    """The concentration figures of one value array (revenue or margin) at once."""
    value = as_float_vector(values, "values")
    return ConcentrationSummary(
        n_accounts=len(value),
        total=float(value.sum()),
        top1_share=top_share(value, 1),
        top5_share=top_share(value, 5),
        top10_share=top_share(value, 10),
        herfindahl_index=herfindahl_index(value),
        gini=gini_coefficient(value),
    )


@dataclass(frozen=True)
class DependencyAlert:
    """One account, group or the top five holding more than the tolerated share."""

    kind: str  # "account", "group" or "top5"
    subject: str  # account id, group id, or "top5"
    measure: str  # "revenue" or "margin"
    share: float
    threshold: float


def dependency_alerts(
    account_ids: ArrayLike,
    revenue: ArrayLike,
    margin: ArrayLike | None = None,
    *,
    group_ids: ArrayLike | None = None,
    revenue_threshold: float = 0.10,
    margin_threshold: float = 0.15,
    top5_threshold: float = 0.50,
) -> list[DependencyAlert]:
    """Alerts for accounts and groups above the thresholds, and for a top five above its own.

    `group_ids` (e.g. the corporate group of each account; empty string for none) adds one alert
    per group of two or more accounts whose combined share exceeds the threshold.
    """
    ids = np.asarray(account_ids).astype(str)
    measures = {"revenue": (as_float_vector(revenue, "revenue"), revenue_threshold)}
    if margin is not None:
        measures["margin"] = (as_float_vector(margin, "margin"), margin_threshold)
    alerts: list[DependencyAlert] = []
    for measure, (values, threshold) in measures.items():
        require_same_length(account_ids=ids, **{measure: values})
        share = shares(values)
        alerts += _over_threshold("account", ids, share, measure, threshold)
        if group_ids is not None:
            alerts += _group_alerts(np.asarray(group_ids).astype(str), share, measure, threshold)
        alerts += _top5_alert(share, measure, top5_threshold)
    return alerts


def _over_threshold(
    kind: str, subjects: NDArray[np.str_], share: FloatArray, measure: str, threshold: float
) -> list[DependencyAlert]:
    over = np.flatnonzero(share > threshold)
    over = over[np.argsort(-share[over], kind="stable")]
    return [
        DependencyAlert(kind, str(subjects[i]), measure, float(share[i]), threshold) for i in over
    ]


def _group_alerts(
    group_ids: NDArray[np.str_], share: FloatArray, measure: str, threshold: float
) -> list[DependencyAlert]:
    require_same_length(group_ids=group_ids, shares=share)
    grouped = group_ids != ""
    groups, index, members = np.unique(group_ids[grouped], return_inverse=True, return_counts=True)
    group_share = np.bincount(index, weights=share[grouped]).astype(np.float64)
    group_share[members < 2] = 0.0  # A one-account group is already covered by the account alert.
    return _over_threshold("group", groups, group_share, measure, threshold)


def _top5_alert(share: FloatArray, measure: str, threshold: float) -> list[DependencyAlert]:
    top5 = float(np.sort(share)[::-1][:5].sum())
    if top5 <= threshold:
        return []
    return [DependencyAlert("top5", "top5", measure, top5, threshold)]


@dataclass(frozen=True)
class LossScenario:
    """What the company keeps and loses if the marked accounts leave."""

    revenue_before: float
    revenue_after: float
    lost_revenue: float
    lost_revenue_share: float
    margin_before: float
    margin_after: float
    lost_margin: float
    herfindahl_before: float
    herfindahl_after: float
    revenue_shares_after: FloatArray  # lost accounts hold 0


def loss_scenario(revenue: ArrayLike, margin: ArrayLike, lost: ArrayLike) -> LossScenario:
    """Lose the accounts where `lost` is True (build it as `group_ids == group` for a group)."""
    value = as_float_vector(revenue, "revenue")
    profit = as_float_vector(margin, "margin")
    gone = np.asarray(lost, dtype=bool)
    require_same_length(revenue=value, margin=profit, lost=gone)
    kept = np.where(gone, 0.0, value)
    if not np.any(kept > 0):
        raise AnalyticsInputError("the scenario loses every account with positive revenue")
    lost_revenue = float(value[gone].sum())
    return LossScenario(
        revenue_before=float(value.sum()),
        revenue_after=float(kept.sum()),
        lost_revenue=lost_revenue,
        lost_revenue_share=float(shares(value)[gone].sum()),
        margin_before=float(profit.sum()),
        # Zeroed in place, not dropped: the same summation order as before, so rounding can
        # never make what is left exceed the whole (found by hypothesis on PostgreSQL's leg).
        margin_after=float(np.where(gone, 0.0, profit).sum()),
        lost_margin=float(profit[gone].sum()),
        herfindahl_before=herfindahl_index(value),
        herfindahl_after=herfindahl_index(kept),
        revenue_shares_after=shares(kept),
    )
