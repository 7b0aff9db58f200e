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

from dataclasses import dataclass

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.learned.features import FEATURE_NAMES, account_features, has_history

#: Months between two training origins, the fewest months of history an origin needs, and the most.
ORIGIN_STRIDE = 1
MIN_ORIGIN_HISTORY = 3
MAX_ORIGINS = 12
#: Training rows kept at most per fit (a random sample beyond): bounds the run on big portfolios.
MAX_TRAINING_ROWS = 60_000
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


def revenue_scale(features: FloatArray, horizon: int) -> FloatArray:
    """An account's recent revenue rate over `horizon` months: what the target is relative to."""
    names = FEATURE_NAMES
    last12 = features[:, names.index("revenue_12m")]
    per_active = features[:, names.index("revenue_per_active_month")]
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

    def predict(self, revenue: FloatArray, purchase_days: FloatArray, origin: int) -> FloatArray:
        features = account_features(revenue, purchase_days, origin, self.horizon)
        share = np.asarray(self.booster.predict(features), dtype=np.float64)  # type: ignore[attr-defined]
        forecast = share * revenue_scale(features, self.horizon) if self.relative else share
        return np.where(has_history(revenue, origin), forecast, 0.0)

    def contributions(
        self, revenue: FloatArray, purchase_days: FloatArray, origin: int
    ) -> FloatArray:
        """Per account and feature, the feature's push on the log of the forecast (SHAP values)."""
        features = account_features(revenue, purchase_days, origin, self.horizon)
        values = self.booster.predict(features, pred_contrib=True)  # type: ignore[attr-defined]
        return np.asarray(values, dtype=np.float64)[:, :-1]


def training_rows(revenue: FloatArray, origins: list[int]) -> list[np.ndarray]:
    """Per origin, the accounts (rows) known there; beyond MAX_TRAINING_ROWS in all, the same
    share of each origin's, drawn at random before any feature is computed."""
    known = [np.flatnonzero(has_history(revenue, origin)) for origin in origins]
    total = sum(len(rows) for rows in known)
    if total <= MAX_TRAINING_ROWS:
        return known
    rng = np.random.default_rng(11)
    share = MAX_TRAINING_ROWS / total
    return [np.sort(rng.choice(rows, int(len(rows) * share), replace=False)) for rows in known]


def fit_latest_origin(
    revenue: FloatArray, purchase_days: FloatArray, *, horizon: int
) -> LearnedForecaster | None:
    """The quick model: revenue itself learned at the one latest origin (close to recent drift)."""
    import lightgbm

    origin = revenue.shape[1] - horizon
    if origin < MIN_ORIGIN_HISTORY:
        return None
    known = np.flatnonzero(has_history(revenue, origin))
    if len(known) > MAX_TRAINING_ROWS:
        known = np.sort(np.random.default_rng(11).choice(known, MAX_TRAINING_ROWS, replace=False))
    features = account_features(revenue[known], purchase_days[known], origin, horizon)
    actual = np.maximum(revenue[known, origin:].sum(axis=1), 0.0)  # credit notes can exceed
    if len(actual) < 50 or not np.any(actual > 0):
        return None
    data = lightgbm.Dataset(features, actual, feature_name=list(FEATURE_NAMES))
    booster = lightgbm.train(BOOSTING_PARAMS, data, num_boost_round=BOOSTING_ROUNDS)
    return LearnedForecaster(booster=booster, horizon=horizon, relative=False)


def fit_learned(
    revenue: FloatArray, purchase_days: FloatArray, *, horizon: int, latest: int | None = None
) -> LearnedForecaster | None:
    """Train on origins whose targets end by `latest`; None when the history is too short."""
    import lightgbm  # imported here: the rest of kam_analytics works without it

    origins = training_origins(revenue.shape[1], horizon, latest=latest)
    if not origins:
        return None
    rows, targets, weights = [], [], []
    sampled = training_rows(revenue, origins)
    for age, (origin, known) in enumerate(zip(origins, sampled, strict=True)):
        features = account_features(revenue[known], purchase_days[known], origin, horizon)
        scale = revenue_scale(features, horizon)
        actual = np.maximum(revenue[known, origin : origin + horizon].sum(axis=1), 0.0)
        rows.append(features)
        targets.append(actual / scale)
        weights.append(scale * ORIGIN_DECAY**age)
    x, y, w = np.vstack(rows), np.concatenate(targets), np.concatenate(weights)
    if len(y) < 50 or not np.any(y > 0):
        return None
    data = lightgbm.Dataset(x, y, weight=w / w.mean(), feature_name=list(FEATURE_NAMES))
    booster = lightgbm.train(BOOSTING_PARAMS, data, num_boost_round=BOOSTING_ROUNDS)
    fitted = LearnedForecaster(booster=booster, horizon=horizon)
    level = _recent_level(fitted, revenue, purchase_days, origins[0], sampled[0])
    return LearnedForecaster(booster=booster, horizon=horizon, recent_level=level)


def _recent_level(
    fitted: LearnedForecaster,
    revenue: FloatArray,
    purchase_days: FloatArray,
    origin: int,
    sample: np.ndarray,
) -> float:
    """Σ actual / Σ forecast at the latest origin; the forecast's sum is taken from the
    origin's training sample (all its known accounts on portfolios below MAX_TRAINING_ROWS),
    scaled up to every account known there, instead of forecasting the whole portfolio again."""
    known = int(has_history(revenue, origin).sum())
    predicted = fitted.predict(revenue[sample], purchase_days[sample], origin).sum()
    predicted *= known / max(len(sample), 1)
    actual = revenue[:, origin : origin + fitted.horizon].sum()
    return float(np.clip(actual / predicted, 0.5, 2.0)) if predicted > 0 else 1.0
