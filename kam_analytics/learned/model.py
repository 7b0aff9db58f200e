"""Gradient boosting trained out of time on the portfolio's own history.

Training rows come from several origins in the past: at origin `o` the features are those of the
months before `o` and the target is the revenue of the `horizon` months from `o` on, so every
target lies before the origin the model is applied at. Stacking several origins (every
`ORIGIN_STRIDE` months) gives the model more than one year of the portfolio's behaviour — growth
and churn of accounts of every size and age — than the single origin a quick model would use.

The target is learned relative to the account's own scale (its recent revenue rate), weighted by
that scale: trees cannot extrapolate, and revenue spans six orders of magnitude, so a tree
learns "what share of its recent rate does an account like this keep" and the forecast is that
share times the rate. Accounts that never bought before an origin are forecast at 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.learned.features import FEATURE_NAMES, account_features, has_history

#: Months between two training origins, the fewest months of history an origin needs, and the most.
ORIGIN_STRIDE = 1
MIN_ORIGIN_HISTORY = 3
MAX_ORIGINS = 12
#: Training rows kept per fit, about (beyond: sampled by size, see `training_rows`): bounds the
#: run on big portfolios. bench_forecast scored the same with 25,000 as with 60,000 (plain random
#: sample then), each fit costing about half.
MAX_TRAINING_ROWS = 25_000
#: Weight of an origin relative to the one after it: recent behaviour counts more.
ORIGIN_DECAY = 1.0

BOOSTING_PARAMS = {
    "objective": "tweedie",
    "tweedie_variance_power": 1.5,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    # One thread: OpenMP threads spin while they wait, so on a machine where other work runs
    # (other workers, the web server, the suite's parallel tests) two threads were measured 9×
    # slower in CPU and wall (60,000 rows, 250 rounds: 1.0 s CPU with one, 8.7 s with two).
    "num_threads": 1,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
BOOSTING_ROUNDS = 250
#: The compact model: revenue itself at the latest origin, on the twelve plain features of the
#: monthly revenue a data scientist would start with and with no regularisation beyond the
#: defaults. Fewer features overfit less where orders are rare and large (lumpy project
#: business, short horizons); the backtest decides where it is worth using. 200 rounds at a
#: learning rate of 0.06 cost half of 400 at 0.03 (a backtest cut of 10,000 accounts: 0.34
#: CPU s instead of 0.61) and scored as well on bench_forecast's horizons below a year.
COMPACT_FEATURES = (
    "revenue_1m",
    "revenue_3m",
    "revenue_6m",
    "revenue_12m",
    "revenue_prev_12m",
    "active_months_12",
    "active_months_3",
    "months_since_last_purchase",
    "months_since_first_purchase",
    "revenue_total",
    "revenue_per_active_month",
    "revenue_std_12m",
)
COMPACT_PARAMS = {
    "objective": "tweedie",
    "learning_rate": 0.06,
    "num_leaves": 15,
    "num_threads": 1,  # see BOOSTING_PARAMS
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
COMPACT_ROUNDS = 200


def revenue_scale(features: FloatArray, horizon: int) -> FloatArray:
    """An account's recent revenue rate over `horizon` months: what the target is relative to."""
    names = FEATURE_NAMES
    last12 = features[:, names.index("revenue_12m")]
    per_active = features[:, names.index("revenue_per_active_month")]
    return _scale(last12, per_active, horizon)


def _scale(last12: FloatArray, per_active: FloatArray, horizon: int) -> FloatArray:
    return (last12 + 0.25 * per_active) * horizon / 12 + 1.0


def training_origins(n_months: int, horizon: int, *, latest: int | None = None) -> list[int]:
    """Origins whose target window ends at or before `latest` (default: the last month)."""
    end = n_months if latest is None else latest
    origins: list[int] = []
    origin = end - horizon
    while origin >= MIN_ORIGIN_HISTORY and len(origins) < MAX_ORIGINS:
        origins.append(origin)
        origin -= ORIGIN_STRIDE
    return origins


@dataclass(frozen=True)
class LearnedForecaster:
    """A fitted model: `predict` gives the expected revenue of the next `horizon` months."""

    booster: object
    horizon: int
    #: Σ actual / Σ forecast at the latest training origin: how the portfolio drifted lately.
    recent_level: float = 1.0
    relative: bool = True  # learned relative to the account's scale (else revenue itself)
    #: The FEATURE_NAMES columns it was trained on (None: all of them).
    columns: tuple[int, ...] | None = None

    def _features(
        self,
        revenue: FloatArray,
        purchase_days: FloatArray,
        origin: int,
        features: FloatArray | None = None,
    ) -> FloatArray:
        if features is None:
            features = account_features(revenue, purchase_days, origin, self.horizon)
        return features if self.columns is None else features[:, list(self.columns)]

    def predict(
        self,
        revenue: FloatArray,
        purchase_days: FloatArray,
        origin: int,
        features: FloatArray | None = None,
    ) -> FloatArray:
        """The expected revenue of the next `horizon` months from `origin`; `features`: the
        accounts' `account_features` at `origin` for this horizon, if the caller has them."""
        if features is None:
            features = account_features(revenue, purchase_days, origin, self.horizon)
        used = self._features(revenue, purchase_days, origin, features)
        share = np.asarray(self.booster.predict(used), dtype=np.float64)  # type: ignore[attr-defined]
        forecast = share * revenue_scale(features, self.horizon) if self.relative else share
        return np.where(has_history(revenue, origin), forecast, 0.0)

    def contributions(
        self,
        revenue: FloatArray,
        purchase_days: FloatArray,
        origin: int,
        features: FloatArray | None = None,
    ) -> FloatArray:
        """Per account and feature, the feature's push on the log of the forecast (SHAP values);
        `features` as for `predict`."""
        features = self._features(revenue, purchase_days, origin, features)
        values = self.booster.predict(features, pred_contrib=True)  # type: ignore[attr-defined]
        return np.asarray(values, dtype=np.float64)[:, :-1]


def origin_scales(revenue: FloatArray, origins: list[int], horizon: int) -> list[FloatArray]:
    """`revenue_scale` of every account at each origin, from running sums of the revenue alone
    (no features: it decides which rows are worth computing features for)."""
    zero = np.zeros((revenue.shape[0], 1))
    running = np.hstack([zero, np.cumsum(revenue, axis=1)])
    active = np.hstack([zero, np.cumsum(revenue > 0, axis=1)])
    scales = []
    for origin in origins:
        months = active[:, origin]
        per_active = np.where(months > 0, running[:, origin] / np.maximum(months, 1), 0.0)
        last12 = running[:, origin] - running[:, max(origin - 12, 0)]
        scales.append(_scale(last12, per_active, horizon))
    return scales


def inclusion_threshold(scales: FloatArray, rows: int) -> float:
    """The scale `c` at which keeping each row with probability min(1, scale / c) keeps `rows`
    rows on average: every row at least as big as `c` is kept, smaller ones in proportion."""
    ordered = np.sort(scales)[::-1]
    kept = np.arange(min(rows, len(ordered)))  # rows taken for sure before the threshold
    rest = ordered.sum() - np.concatenate([[0.0], np.cumsum(ordered)])[kept]
    threshold = rest / (rows - kept)
    fits = np.flatnonzero(ordered[kept] <= threshold)
    return float(threshold[fits[0]]) if len(fits) else float(ordered[-1])


def training_rows(
    revenue: FloatArray, origins: list[int], horizon: int = 12
) -> tuple[list[np.ndarray], list[FloatArray]]:
    """Per origin, the accounts (rows) known there and each row's inverse inclusion weight.

    Beyond MAX_TRAINING_ROWS in all, rows are drawn with a probability proportional to the
    account's scale (the weight the fit gives it), capped at 1: the big accounts, which decide
    the fit, are all kept, the small ones sampled and weighted up by 1 / probability, so the
    weighted loss stays the same in expectation at a fraction of the rows (importance sampling).
    """
    known = [np.flatnonzero(has_history(revenue, origin)) for origin in origins]
    if sum(len(rows) for rows in known) <= MAX_TRAINING_ROWS:
        return known, [np.ones(len(rows)) for rows in known]
    every = origin_scales(revenue, origins, horizon)
    scales = [scale[rows] for scale, rows in zip(every, known, strict=True)]
    threshold = inclusion_threshold(np.concatenate(scales), MAX_TRAINING_ROWS)
    rng = np.random.default_rng(11)
    sampled, inverse = [], []
    for rows, scale in zip(known, scales, strict=True):
        probability = np.minimum(scale / threshold, 1.0)
        keep = rng.random(len(rows)) < probability
        sampled.append(rows[keep])
        inverse.append(1.0 / probability[keep])
    return sampled, inverse


def fit_latest_origin(
    revenue: FloatArray, purchase_days: FloatArray, *, horizon: int, compact: bool = False
) -> LearnedForecaster | None:
    """The quick model: revenue itself learned at the one latest origin (close to recent drift);
    `compact`: on COMPACT_FEATURES with COMPACT_PARAMS, else on every feature."""
    import lightgbm

    origin = revenue.shape[1] - horizon
    if origin < MIN_ORIGIN_HISTORY:
        return None
    (known,), (inverse,) = training_rows(revenue, [origin], horizon)
    columns = tuple(FEATURE_NAMES.index(name) for name in COMPACT_FEATURES) if compact else None
    forecaster = LearnedForecaster(booster=None, horizon=horizon, relative=False, columns=columns)
    features = forecaster._features(revenue[known], purchase_days[known], origin)
    actual = np.maximum(revenue[known, origin:].sum(axis=1), 0.0)  # credit notes can exceed
    if len(actual) < 50 or not np.any(actual > 0):
        return None
    weight = None if np.all(inverse == 1.0) else inverse / inverse.mean()
    names = list(COMPACT_FEATURES if compact else FEATURE_NAMES)
    data = lightgbm.Dataset(features, actual, weight=weight, feature_name=names)
    params, rounds = (
        (COMPACT_PARAMS, COMPACT_ROUNDS) if compact else (BOOSTING_PARAMS, BOOSTING_ROUNDS)
    )
    booster = lightgbm.train(params, data, num_boost_round=rounds)
    return replace(forecaster, booster=booster)


def fit_learned(
    revenue: FloatArray, purchase_days: FloatArray, *, horizon: int, latest: int | None = None
) -> LearnedForecaster | None:
    """Train on origins whose targets end by `latest`; None when the history is too short."""
    import lightgbm  # imported here: the rest of kam_analytics works without it

    origins = training_origins(revenue.shape[1], horizon, latest=latest)
    if not origins:
        return None
    rows, targets, weights = [], [], []
    sampled, inverse = training_rows(revenue, origins, horizon)
    for age, (origin, known) in enumerate(zip(origins, sampled, strict=True)):
        features = account_features(revenue[known], purchase_days[known], origin, horizon)
        scale = revenue_scale(features, horizon)
        actual = np.maximum(revenue[known, origin : origin + horizon].sum(axis=1), 0.0)
        rows.append(features)
        targets.append(actual / scale)
        weights.append(scale * ORIGIN_DECAY**age * inverse[age])
    x, y, w = np.vstack(rows), np.concatenate(targets), np.concatenate(weights)
    if len(y) < 50 or not np.any(y > 0):
        return None
    data = lightgbm.Dataset(x, y, weight=w / w.mean(), feature_name=list(FEATURE_NAMES))
    booster = lightgbm.train(BOOSTING_PARAMS, data, num_boost_round=BOOSTING_ROUNDS)
    fitted = LearnedForecaster(booster=booster, horizon=horizon)
    level = _recent_level(fitted, revenue, purchase_days, origins[0], sampled[0], inverse[0])
    return LearnedForecaster(booster=booster, horizon=horizon, recent_level=level)


def _recent_level(
    fitted: LearnedForecaster,
    revenue: FloatArray,
    purchase_days: FloatArray,
    origin: int,
    sample: np.ndarray,
    inverse: FloatArray,
) -> float:
    """Σ actual / Σ forecast at the latest origin; the forecast's sum is taken from the
    origin's training sample (all its known accounts on portfolios below MAX_TRAINING_ROWS),
    each row weighted by its inverse inclusion probability, instead of forecasting the whole
    portfolio again."""
    predicted = (fitted.predict(revenue[sample], purchase_days[sample], origin) * inverse).sum()
    actual = revenue[:, origin : origin + fitted.horizon].sum()
    return float(np.clip(actual / predicted, 0.5, 2.0)) if predicted > 0 else 1.0
