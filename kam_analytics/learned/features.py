"""Per-account features of the monthly facts as they stood at a point in time (an origin).

Every feature of origin `o` is computed from the months before `o` only, so a model trained on
origins in the past and applied at today's origin never sees the future. Months are the columns
of the accounts × months matrices, oldest first.
"""

from __future__ import annotations

import numpy as np

from kam_analytics._arrays import FloatArray

#: Feature names in column order; `explain.py` words them for salespeople.
FEATURE_NAMES = (
    "revenue_1m",
    "revenue_3m",
    "revenue_6m",
    "revenue_12m",
    "revenue_prev_12m",
    "revenue_same_season_last_year",
    "active_months_12",
    "active_months_3",
    "months_since_last_purchase",
    "months_since_first_purchase",
    "revenue_total",
    "revenue_per_active_month",
    "revenue_std_12m",
    "purchase_days_12m",
    "purchase_days_3m",
    "purchase_days_trend",
    "growth_12m",
    "trend_6m",
    "revenue_24m",
    "revenue_rate_since_first",
    "largest_month_share_24m",
)


def window_sum(matrix: FloatArray, start: int, stop: int) -> FloatArray:
    """Row sums of the columns start..stop-1, clipped to the matrix (empty → 0)."""
    start, stop = max(start, 0), max(min(stop, matrix.shape[1]), 0)
    if stop <= start:
        return np.zeros(matrix.shape[0])
    return matrix[:, start:stop].sum(axis=1)


def account_features(
    revenue: FloatArray, purchase_days: FloatArray, origin: int, horizon: int
) -> FloatArray:
    """The FEATURE_NAMES of every account at `origin` (accounts × features)."""
    past_revenue, past_days = revenue[:, :origin], purchase_days[:, :origin]
    active = past_revenue > 0
    last12 = window_sum(past_revenue, origin - 12, origin)
    prev12 = window_sum(past_revenue, origin - 24, origin - 12)
    last6, prev6 = (
        window_sum(past_revenue, origin - 6, origin),
        window_sum(past_revenue, origin - 12, origin - 6),
    )
    active12 = window_sum(active.astype(float), origin - 12, origin)
    days12 = window_sum(past_days, origin - 12, origin)
    days3, days_prev3 = (
        window_sum(past_days, origin - 3, origin),
        window_sum(past_days, origin - 6, origin - 3),
    )
    total = past_revenue.sum(axis=1)
    active_total = active.sum(axis=1)
    ever = active_total > 0
    first = np.where(ever, active.argmax(axis=1), origin)
    last = np.where(ever, origin - 1 - active[:, ::-1].argmax(axis=1), -1)
    recent = past_revenue[:, max(origin - 12, 0) :]
    columns = [
        window_sum(past_revenue, origin - 1, origin),
        window_sum(past_revenue, origin - 3, origin),
        last6,
        last12,
        prev12,
        window_sum(past_revenue, origin - 12, origin - 12 + horizon),
        active12,
        window_sum(active.astype(float), origin - 3, origin),
        np.where(ever, origin - last, 99.0),
        np.where(ever, origin - first, 0.0),
        total,
        np.where(ever, total / np.maximum(active_total, 1), 0.0),
        recent.std(axis=1) if recent.shape[1] > 1 else np.zeros(len(total)),
        days12,
        days3,
        days3 - days_prev3,
        np.log1p(np.maximum(last12, 0)) - np.log1p(np.maximum(prev12, 0)),
        np.log1p(np.maximum(last6, 0)) - np.log1p(np.maximum(prev6, 0)),
        last12 + prev12,
        np.where(ever, total / np.maximum(origin - first, 1) * 12, 0.0),
        _largest_share(past_revenue[:, max(origin - 24, 0) :], last12 + prev12),
    ]
    return np.column_stack(columns).astype(np.float64)


def _largest_share(window: FloatArray, total: FloatArray) -> FloatArray:
    """How much of the window's revenue came in its biggest month: 1 for a single project."""
    if window.shape[1] == 0:
        return np.zeros(window.shape[0])
    return np.where(total > 0, window.max(axis=1) / np.where(total > 0, total, 1), 0.0)


def has_history(revenue: FloatArray, origin: int) -> np.ndarray:
    """Accounts that bought anything before `origin`: the only ones a model can forecast."""
    return np.asarray(revenue[:, :origin].sum(axis=1) > 0)
