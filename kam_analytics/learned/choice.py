"""Which forecast to trust: every candidate is backtested on the portfolio's own history.

Rolling origin: the history is cut 12 and 24 months back (where enough history is left before
the cut to train, else at shorter distances), each candidate forecasts from the cut with only the
months before it, and is compared with what the accounts known at the cut bought afterwards. The
winner is the candidate that beats the naive forecast ("the next months will be like the last
ones") on rank correlation, on the top 10 % and on the error of the total, with the best rank
correlation among those; when no candidate beats naive on all three, the forecast is naive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError
from kam_analytics.forecast import account_history, forecast_accuracy, forecast_revenue
from kam_analytics.learned.features import has_history, window_sum
from kam_analytics.learned.model import MIN_ORIGIN_HISTORY, fit_learned

NAIVE = "naive"
CLASSIC = "bgnbd_trend"
LEARNED = "boosting"
BLEND = "boosting_bgnbd"
#: How far back the backtest cuts, in months, before falling back to shorter distances.
BACKTEST_DISTANCES = (12, 24)

Forecaster = Callable[[FloatArray, FloatArray, int], FloatArray]


@dataclass(frozen=True)
class CandidateScore:
    spearman: float
    top_decile_precision: float
    total_error: float  # |Σ forecast − Σ actual| / Σ actual
    cutoffs: int


@dataclass(frozen=True)
class ForecastChoice:
    """The chosen candidate's forecast for the next `horizon` months and every candidate's score."""

    horizon: int
    chosen: str
    forecast: FloatArray
    scores: dict[str, CandidateScore] = field(default_factory=dict)
    model: object | None = None  # the fitted LearnedForecaster, when one was chosen


def naive(revenue: FloatArray, days: FloatArray, horizon: int) -> FloatArray:
    """The last 12 months, scaled to the horizon (a quarter is a quarter of the year)."""
    return window_sum(revenue, revenue.shape[1] - 12, revenue.shape[1]) * horizon / 12


def classic(revenue: FloatArray, days: FloatArray, horizon: int) -> FloatArray:
    """kam's model view: BG/NBD × Gamma-Gamma with trends (12 months), scaled to the horizon."""
    try:
        expected = forecast_revenue(account_history(revenue, days)).expected_revenue
    except (AnalyticsInputError, ModelNotApplicableError):
        return naive(revenue, days, horizon)
    return np.asarray(expected, dtype=np.float64) * horizon / 12


def learned(revenue: FloatArray, days: FloatArray, horizon: int) -> FloatArray:
    model = fit_learned(revenue, days, horizon=horizon)
    if model is None:
        return naive(revenue, days, horizon)
    return model.predict(revenue, days, revenue.shape[1])


def blend(revenue: FloatArray, days: FloatArray, horizon: int) -> FloatArray:
    return np.sqrt(learned(revenue, days, horizon) * classic(revenue, days, horizon))


CANDIDATES: dict[str, Forecaster] = {
    NAIVE: naive,
    CLASSIC: classic,
    LEARNED: learned,
    BLEND: blend,
}


def backtest_cutoffs(n_months: int, horizon: int) -> list[int]:
    """Cut points (months kept) for the rolling-origin backtest; the shortest distance first."""
    cutoffs = []
    for distance in BACKTEST_DISTANCES:
        cut = n_months - distance
        if distance >= horizon and cut - horizon >= MIN_ORIGIN_HISTORY:
            cutoffs.append(cut)
    if not cutoffs and n_months - horizon - horizon >= MIN_ORIGIN_HISTORY:
        cutoffs.append(n_months - horizon)
    return cutoffs


def score_candidates(
    revenue: FloatArray,
    days: FloatArray,
    horizon: int,
    candidates: dict[str, Forecaster] | None = None,
) -> dict[str, CandidateScore]:
    """Every candidate's backtest figures, averaged over the cutoffs."""
    candidates = CANDIDATES if candidates is None else candidates
    per_candidate: dict[str, list[tuple[float, float, float]]] = {name: [] for name in candidates}
    for cut in backtest_cutoffs(revenue.shape[1], horizon):
        known = has_history(revenue, cut)
        actual = revenue[known, cut : cut + horizon].sum(axis=1)
        if known.sum() < 10 or actual.sum() <= 0:
            continue
        for name, forecaster in candidates.items():
            forecast = forecaster(revenue[known, :cut], days[known, :cut], horizon)
            accuracy = forecast_accuracy(forecast, actual)
            per_candidate[name].append(
                (accuracy.spearman, accuracy.top_decile_precision, abs(accuracy.total_bias))
            )
    return {name: _mean_score(rows) for name, rows in per_candidate.items() if rows}


def _mean_score(rows: list[tuple[float, float, float]]) -> CandidateScore:
    spearman, top, total = np.mean(rows, axis=0).tolist()
    return CandidateScore(spearman, top, total, cutoffs=len(rows))


def beats(score: CandidateScore, baseline: CandidateScore) -> bool:
    """Better rank, no worse top 10 %, no larger error of the total."""
    return (
        score.spearman > baseline.spearman
        and score.top_decile_precision >= baseline.top_decile_precision
        and score.total_error <= baseline.total_error
    )


def pick(scores: dict[str, CandidateScore]) -> str:
    baseline = scores.get(NAIVE)
    if baseline is None:
        return NAIVE
    winners = [name for name, s in scores.items() if name != NAIVE and beats(s, baseline)]
    return max(winners, key=lambda name: scores[name].spearman, default=NAIVE)


def choose_forecast(revenue: FloatArray, days: FloatArray, *, horizon: int) -> ForecastChoice:
    """Backtest the candidates, then forecast the next `horizon` months with the winner."""
    revenue = np.asarray(revenue, dtype=np.float64)
    days = np.asarray(days, dtype=np.float64)
    scores = score_candidates(revenue, days, horizon)
    chosen = pick(scores)
    model = fit_learned(revenue, days, horizon=horizon) if chosen in (LEARNED, BLEND) else None
    if model is None:
        chosen = NAIVE if chosen in (LEARNED, BLEND) else chosen
        forecast = CANDIDATES[chosen](revenue, days, horizon)
    else:
        forecast = model.predict(revenue, days, revenue.shape[1])
        if chosen == BLEND:
            forecast = np.sqrt(forecast * classic(revenue, days, horizon))
    return ForecastChoice(horizon, chosen, forecast, scores, model)
