"""Which forecast to trust: every candidate is backtested on the portfolio's own history.

Two questions are answered separately, because different models are good at them: who will buy
most (the ranking) and how much the portfolio will buy in all (the level).

Rolling origin: the history is cut 12 and 24 months back where enough history is left before the
cut to train (else at shorter distances and, for short histories, over a shorter horizon); each
candidate forecasts from the cut with only the months before it and is compared with what the
accounts known at the cut bought afterwards.
- Ranking: the winner beats the naive forecast ("the next months will be like the last ones") on
  rank correlation and on the top 10 %, with the best sum of the two; else naive.
- Level: the estimate of the portfolio total with the smallest error of the sum (naive included).
The forecast is the winning ranking scaled to the winning level. Without any backtest (a history
too short to cut) it is naive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError
from kam_analytics.forecast import account_history, forecast_accuracy, forecast_revenue
from kam_analytics.learned.features import has_history, window_sum
from kam_analytics.learned.model import (
    MIN_ORIGIN_HISTORY,
    LearnedForecaster,
    fit_latest_origin,
    fit_learned,
)

NAIVE = "naive"
CLASSIC = "bgnbd_trend"
LEARNED = "boosting"
BLEND = "boosting_bgnbd"
LATEST = "boosting_latest_origin"
#: A level estimate only: the boosting total scaled by the drift at its latest training origin.
RECENT_LEVEL = "boosting_recent_level"
#: How far back the backtest cuts, in months, before falling back to shorter distances.
BACKTEST_DISTANCES = (12, 24)


@dataclass(frozen=True)
class CandidateScore:
    spearman: float
    top_decile_precision: float
    total_error: float  # |Σ forecast − Σ actual| / Σ actual
    cutoffs: int


@dataclass(frozen=True)
class ForecastChoice:
    """The forecast of the next `horizon` months, what it was made of and every backtest score."""

    horizon: int
    ranking: str  # the candidate whose ranking is used
    level: str  # the candidate whose portfolio total is used
    forecast: FloatArray
    scores: dict[str, CandidateScore] = field(default_factory=dict)
    model: LearnedForecaster | None = None


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


def candidate_forecasts(
    revenue: FloatArray, days: FloatArray, horizon: int
) -> tuple[dict[str, FloatArray], LearnedForecaster | None]:
    """Every candidate's forecast from the end of the history, and the fitted model if any."""
    forecasts = {NAIVE: naive(revenue, days, horizon), CLASSIC: classic(revenue, days, horizon)}
    model = fit_learned(revenue, days, horizon=horizon)
    if model is not None:
        boosted = model.predict(revenue, days, revenue.shape[1])
        forecasts[LEARNED] = boosted
        forecasts[BLEND] = np.sqrt(boosted * forecasts[CLASSIC])
    quick = fit_latest_origin(revenue, days, horizon=horizon)
    if quick is not None:
        forecasts[LATEST] = quick.predict(revenue, days, revenue.shape[1])
    return forecasts, model


def level_estimates(
    forecasts: dict[str, FloatArray], model: LearnedForecaster | None
) -> dict[str, float]:
    levels = {name: float(forecast.sum()) for name, forecast in forecasts.items()}
    if model is not None and LEARNED in forecasts:
        levels[RECENT_LEVEL] = levels[LEARNED] * model.recent_level
    return levels


def backtest_plan(n_months: int, horizon: int) -> list[tuple[int, int]]:
    """(cut, horizon) pairs for the rolling-origin backtest, the latest cut first."""
    plan = []
    for distance in BACKTEST_DISTANCES:
        cut = n_months - distance
        if distance >= horizon and cut - horizon >= MIN_ORIGIN_HISTORY:
            plan.append((cut, horizon))
    shorter = horizon
    while not plan and shorter >= 1:
        if n_months - 2 * shorter >= MIN_ORIGIN_HISTORY:
            plan.append((n_months - shorter, shorter))
        shorter //= 2
    return plan


def score_candidates(
    revenue: FloatArray, days: FloatArray, horizon: int
) -> dict[str, CandidateScore]:
    """Every candidate's backtest figures (and every level estimate's error), over the cutoffs."""
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for cut, cut_horizon in backtest_plan(revenue.shape[1], horizon):
        known = has_history(revenue, cut)
        actual = revenue[known, cut : cut + cut_horizon].sum(axis=1)
        if known.sum() < 10 or actual.sum() <= 0:
            continue
        forecasts, model = candidate_forecasts(revenue[known, :cut], days[known, :cut], cut_horizon)
        for name, level in level_estimates(forecasts, model).items():
            error = abs(level - actual.sum()) / actual.sum()
            if name in forecasts:
                accuracy = forecast_accuracy(forecasts[name], actual)
                rows.setdefault(name, []).append(
                    (accuracy.spearman, accuracy.top_decile_precision, error)
                )
            else:
                rows.setdefault(name, []).append((np.nan, np.nan, error))
    return {name: _mean_score(values) for name, values in rows.items()}


def _mean_score(rows: list[tuple[float, float, float]]) -> CandidateScore:
    spearman, top, total = np.mean(rows, axis=0).tolist()
    return CandidateScore(spearman, top, total, cutoffs=len(rows))


def pick_ranking(scores: dict[str, CandidateScore]) -> str:
    """The candidate that ranks better than naive on rank and top 10 %, best first; else naive."""
    baseline = scores.get(NAIVE)
    if baseline is None:
        return NAIVE
    winners = [
        name
        for name, s in scores.items()
        if name != NAIVE
        and s.spearman > baseline.spearman
        and s.top_decile_precision >= baseline.top_decile_precision
    ]
    return max(
        winners,
        key=lambda name: scores[name].spearman + scores[name].top_decile_precision,
        default=NAIVE,
    )


def pick_level(scores: dict[str, CandidateScore]) -> str:
    """The level estimate with the smallest error of the sum; naive when nothing was scored."""
    if NAIVE not in scores:
        return NAIVE
    return min(scores, key=lambda name: (scores[name].total_error, name != NAIVE))


def choose_forecast(revenue: FloatArray, days: FloatArray, *, horizon: int) -> ForecastChoice:
    """Backtest the candidates, then forecast the next `horizon` months with the winners."""
    revenue = np.asarray(revenue, dtype=np.float64)
    days = np.asarray(days, dtype=np.float64)
    scores = score_candidates(revenue, days, horizon)
    ranking, level = pick_ranking(scores), pick_level(scores)
    if ranking == NAIVE and level == NAIVE:
        return ForecastChoice(horizon, NAIVE, NAIVE, naive(revenue, days, horizon), scores)
    forecasts, model = candidate_forecasts(revenue, days, horizon)
    levels = level_estimates(forecasts, model)
    ranking = ranking if ranking in forecasts else NAIVE
    level = level if level in levels else NAIVE
    ranked = forecasts[ranking]
    total = ranked.sum()
    forecast = ranked * (levels[level] / total) if total > 0 else ranked
    return ForecastChoice(horizon, ranking, level, forecast, scores, model)
