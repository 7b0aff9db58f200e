"""Hand-made backtest cuts shared by the forecast tests of kam_analytics and kam.analysis."""

import numpy as np

from kam_analytics.learned import choice
from kam_analytics.learned.choice import NAIVE


def ranked_cut(cut, naive_total, mean_total):
    """A backtest cut of ten accounts (actual total 100) with naive's ranking and two totals."""
    actual = np.arange(1.0, 11.0) * 100 / 55
    forecast = actual[::-1] * naive_total / 100
    return choice.BacktestCut(
        horizon=12,
        rows=np.arange(10),
        actual=actual,
        last_12m=actual,
        forecasts={NAIVE: forecast},
        levels={NAIVE: naive_total, choice.DRIFT_MEAN_LEVEL: mean_total},
        cut=cut,
    )
