"""Discounted customer lifetime value over a horizon in months, from BG/NBD and Gamma-Gamma fits."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from kam_analytics._arrays import FloatArray
from kam_analytics.clv.bgnbd import BgNbdFit, conditional_expected_transactions
from kam_analytics.clv.gamma_gamma import GammaGammaFit, conditional_expected_average_spend
from kam_analytics.errors import AnalyticsInputError

WEEKS_PER_MONTH = 365.25 / 7 / 12
# 10 % a year, compounded monthly.
MONTHLY_DISCOUNT_RATE = 1.10 ** (1 / 12) - 1


def customer_lifetime_value(
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    months: int = 12,
    monthly_discount_rate: float = MONTHLY_DISCOUNT_RATE,
    time_units_per_month: float = WEEKS_PER_MONTH,
    profit_margin: float = 1.0,
) -> FloatArray:
    """Present value of each customer's expected purchases over the next `months` months.

    Purchases expected in month k are discounted by (1 + monthly_discount_rate)^k. The result is
    in the unit of `monetary_value`, times `profit_margin` (1.0 gives revenue, not profit).
    `time_units_per_month` converts months into the time unit of frequency/recency/T (weeks by
    default).
    """
    if months < 1 or monthly_discount_rate <= -1 or time_units_per_month <= 0:
        raise AnalyticsInputError("months must be ≥ 1, the discount rate > -100 %, units positive")
    spend = conditional_expected_average_spend(gamma_gamma, frequency, monetary_value)
    cumulative = np.array(
        [
            conditional_expected_transactions(
                bgnbd, k * time_units_per_month, frequency, recency, T
            )
            for k in range(months + 1)
        ]
    )
    discount = (1 + monthly_discount_rate) ** -np.arange(1, months + 1)
    discounted_purchases = discount @ np.diff(cumulative, axis=0)
    return np.asarray(profit_margin * spend * discounted_purchases, dtype=np.float64)
