"""What the choice does around a forecast: new accounts, risers and the 80 % band.

- New accounts (less than a year since the first purchase) are shrunk toward comparable
  established accounts (those with a similar revenue in the last 12 months), the more the shorter
  their history: one invoice says little about the next year.
- Risers are accounts forecast into the top group that are not in it by the last 12 months.
- The band is split conformal prediction in time: the relative errors of the chosen forecast in
  the rolling-origin backtest, per group of accounts of similar forecast size, scale today's
  forecast. Its calibration is measured on accounts the quantiles were not taken from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.learned.features import window_sum

#: An account with less history than this (months since its first purchase) is new.
NEW_ACCOUNT_MONTHS = 12
#: Size buckets of established accounts that new accounts are compared with.
COMPARABLE_BUCKETS = 10
TOP_SHARE = 0.10
BAND_GROUPS = 5
BAND_MIN_GROUP = 30


def months_of_history(revenue: FloatArray) -> FloatArray:
    """Months since each account's first purchase (0 for accounts that never bought)."""
    active = revenue > 0
    ever = active.any(axis=1)
    return np.where(ever, revenue.shape[1] - active.argmax(axis=1), 0).astype(np.float64)


def new_accounts(revenue: FloatArray) -> np.ndarray:
    """Accounts that bought, but for less than NEW_ACCOUNT_MONTHS months."""
    tenure = months_of_history(revenue)
    return np.asarray((tenure > 0) & (tenure < NEW_ACCOUNT_MONTHS))


@dataclass(frozen=True)
class Comparables:
    """What shrinking new accounts needs of a history, worked out once for all its forecasts:
    the new and the established accounts, each account's size bucket and its own weight."""

    new: np.ndarray  # bool
    established: np.ndarray  # rows of the established accounts
    bucket: np.ndarray  # size bucket of the last 12 months' revenue
    members: tuple[np.ndarray, ...]  # per bucket, the rows of its established accounts
    weight: FloatArray  # the own forecast's weight, months / NEW_ACCOUNT_MONTHS


def comparables(revenue: FloatArray) -> Comparables | None:
    """The Comparables of `revenue`; None when no account needs shrinking (no new account, or
    too few established ones to compare with)."""
    tenure = months_of_history(revenue)
    new = (tenure > 0) & (tenure < NEW_ACCOUNT_MONTHS)
    established = tenure >= NEW_ACCOUNT_MONTHS
    if not new.any() or established.sum() < COMPARABLE_BUCKETS:
        return None
    last12 = window_sum(revenue, revenue.shape[1] - 12, revenue.shape[1])
    edges = np.quantile(last12[established], np.linspace(0, 1, COMPARABLE_BUCKETS + 1)[1:-1])
    bucket = np.searchsorted(edges, last12)
    members = tuple(np.flatnonzero(established & (bucket == b)) for b in range(COMPARABLE_BUCKETS))
    weight = np.clip(tenure / NEW_ACCOUNT_MONTHS, 0.0, 1.0)
    return Comparables(new, np.flatnonzero(established), bucket, members, weight)


def shrink_new_accounts(forecast: FloatArray, revenue: FloatArray) -> FloatArray:
    """New accounts' forecasts moved toward the median forecast of comparable established ones.

    The own forecast keeps the weight months/12; comparable accounts are the established accounts
    in the same size bucket of the last 12 months' revenue.
    """
    return shrink_toward(forecast, comparables(revenue))


def shrink_toward(forecast: FloatArray, compared: Comparables | None) -> FloatArray:
    """shrink_new_accounts with the history's `comparables` worked out already (a caller that
    shrinks several forecasts of one history works them out once)."""
    if compared is None:
        return forecast
    prior = np.zeros(COMPARABLE_BUCKETS)
    for b, rows in enumerate(compared.members):
        prior[b] = np.median(forecast[rows if len(rows) else compared.established])
    shrunk = compared.weight * forecast + (1 - compared.weight) * prior[compared.bucket]
    return np.where(compared.new, shrunk, forecast)


def top_count(n_accounts: int, share: float = TOP_SHARE) -> int:
    return max(1, int(np.ceil(share * n_accounts)))


def top_group(values: FloatArray, share: float = TOP_SHARE) -> np.ndarray:
    """A mask of the `share` largest values (ties in input order)."""
    mask = np.zeros(len(values), dtype=bool)
    mask[np.argsort(-values, kind="stable")[: top_count(len(values), share)]] = True
    return mask


def risers(forecast: FloatArray, last_12m: FloatArray, share: float = TOP_SHARE) -> np.ndarray:
    """Accounts forecast into the top group that are outside it by the last 12 months."""
    return top_group(forecast, share) & ~top_group(last_12m, share)


def risers_caught(forecast: FloatArray, actual: FloatArray, last_12m: FloatArray) -> int:
    """How many accounts that really rose into the top group the forecast had marked."""
    real = top_group(actual) & ~top_group(last_12m)
    return int(np.count_nonzero(real & risers(forecast, last_12m)))


@dataclass(frozen=True)
class BandQuantiles:
    """Relative error quantiles per forecast-size group, as seen in the backtest."""

    edges: FloatArray  # forecast sizes between the groups
    low: FloatArray  # per group: lower relative error (≤ 0)
    high: FloatArray  # per group: upper relative error (≥ 0)
    floor: float  # errors are relative to max(forecast, floor)


def _relative_errors(forecast: FloatArray, actual: FloatArray, floor: float) -> FloatArray:
    return (actual - forecast) / np.maximum(forecast, floor)


def fit_band(forecast: FloatArray, actual: FloatArray, coverage: float = 0.8) -> BandQuantiles:
    """Central `coverage` quantiles of the relative errors, per group of similar forecasts."""
    positive = forecast[forecast > 0]
    floor = 0.05 * float(np.median(positive)) if len(positive) else 1.0
    errors = _relative_errors(forecast, actual, floor)
    groups = min(BAND_GROUPS, max(len(forecast) // BAND_MIN_GROUP, 1))
    edges = np.quantile(forecast, np.linspace(0, 1, groups + 1)[1:-1])
    group = np.searchsorted(edges, forecast)
    tails = ((1 - coverage) / 2, (1 + coverage) / 2)
    pooled = np.quantile(errors, tails)
    quantiles = np.array(
        [
            np.quantile(errors[group == g], tails)
            if np.count_nonzero(group == g) >= BAND_MIN_GROUP
            else pooled
            for g in range(groups)
        ]
    )
    return BandQuantiles(
        edges, np.minimum(quantiles[:, 0], 0.0), np.maximum(quantiles[:, 1], 0.0), floor
    )


def apply_band(band: BandQuantiles, forecast: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(low, high) around `forecast`: never below zero, always containing the forecast."""
    group = np.searchsorted(band.edges, forecast)
    scale = np.maximum(forecast, band.floor)
    low = np.clip(forecast + band.low[group] * scale, 0.0, None)
    return np.minimum(low, forecast), forecast + band.high[group] * scale


def band_coverage(forecast: FloatArray, actual: FloatArray, coverage: float = 0.8) -> float:
    """Share of outcomes inside the band, the quantiles taken from the other half of accounts."""
    half = np.random.default_rng(5).random(len(forecast)) < 0.5
    inside = 0
    for fit_on in (half, ~half):
        if fit_on.sum() < 2 or (~fit_on).sum() < 1:
            return float("nan")
        band = fit_band(forecast[fit_on], actual[fit_on], coverage)
        low, high = apply_band(band, forecast[~fit_on])
        outcome = actual[~fit_on]
        inside += int(np.count_nonzero((outcome >= low) & (outcome <= high)))
    return inside / len(forecast)
