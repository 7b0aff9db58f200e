"""The main reasons for an account's forecast, as codes a page words for salespeople.

With a fitted model, the features are taken in the order of their contribution to the account's
forecast (LightGBM's pred_contrib, SHAP values); without one, in a fixed order. Each feature
that says something a salesperson can act on becomes a reason code with its figures
("buys_less_often", months=4); the page translates the code. Every account gets at least one
reason, new accounts always the caution first.

The contributions cost most of a big run (TreeSHAP: 36 CPU s for 100,000 accounts), so the model
orders the features of the accounts a salesperson looks at first (`explained`: the top of the
forecast, risers); the long tail gets the fixed order, whose reasons are as true, only not ranked
by the model.
"""

from __future__ import annotations

import numpy as np

from kam_analytics._arrays import FloatArray
from kam_analytics.learned.features import FEATURE_NAMES, account_features
from kam_analytics.learned.model import LearnedForecaster

MAX_REASONS = 3
NEW_ACCOUNT = "new_account"
STEADY = "steady"
#: Features in the order used when no model ranks them.
DEFAULT_ORDER = (
    "months_since_last_purchase",
    "growth_12m",
    "purchase_days_trend",
    "trend_6m",
    "largest_month_share_24m",
    "revenue_same_season_last_year",
)
#: Without a model, the same months last year say "strong/weak season" beyond this share.
SEASON_CHANGE = 0.2
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _months_less_often(days: FloatArray) -> FloatArray:
    """Per account, trailing months with fewer purchase days than its average of the year before."""
    months = days.shape[1]
    before = days[:, max(months - 24, 0) : max(months - 12, 0)]
    reference = before.mean(axis=1) if before.shape[1] else days.mean(axis=1)
    below = days[:, ::-1] < reference[:, None]
    run = np.where(below.all(axis=1), months, below.argmin(axis=1))
    return np.asarray(np.clip(run, 0, 12), dtype=np.float64)


def _reason(name: str, value: float, push: float, row: dict) -> tuple[str, dict] | None:
    """The reason one feature gives, or None when it says nothing worth saying."""
    if name == "months_since_last_purchase" and value >= 3 and push <= 0:
        return "no_purchase_since", {"months": int(value)}
    if name in ("purchase_days_trend", "active_months_3", "purchase_days_3m"):
        if push < 0 and row["less_often"] >= 2:
            return "buys_less_often", {"months": int(row["less_often"])}
        if push > 0 and row["days_trend"] > 0:
            return "buys_more_often", {}
    if name in ("growth_12m", "revenue_prev_12m") and row["has_year"]:
        growth = row["growth"]
        if growth > 0.05 and push >= 0:
            return "growing_year", {"percent": round(growth * 100)}
        if growth < -0.05 and push <= 0:
            return "shrinking_year", {"percent": round(-growth * 100)}
    if name in ("trend_6m", "revenue_3m", "revenue_1m", "revenue_6m"):
        if row["trend"] > 0.1 and push >= 0:
            return "recent_up", {}
        if row["trend"] < -0.1 and push <= 0:
            return "recent_down", {}
    if name == "largest_month_share_24m" and value >= 0.5:
        return "lumpy", {}
    if name == "revenue_same_season_last_year" and row["has_year"] and push != 0:
        return ("season_strong", {}) if push > 0 else ("season_weak", {})
    if name in ("active_months_12", "purchase_days_12m") and push > 0 and row["active12"] >= 10:
        return "regular", {"months": int(row["active12"])}
    return None


def forecast_reasons(
    revenue: FloatArray,
    days: FloatArray,
    *,
    horizon: int,
    new_account: np.ndarray,
    model: LearnedForecaster | None = None,
    rows: np.ndarray | None = None,
    explained: np.ndarray | None = None,
) -> list[list[dict]]:
    """Reasons for the accounts `rows` (default: all): [{"code": ..., **figures}, ...] each.

    `explained`: per account (all of them, not only `rows`), whether the model orders its
    reasons; default all when there is a model."""
    rows = np.arange(revenue.shape[0]) if rows is None else np.asarray(rows)
    by_model = np.zeros(len(rows), dtype=bool)
    if model is not None:
        by_model = np.ones(len(rows), dtype=bool) if explained is None else explained[rows]
    revenue, days = revenue[rows], days[rows]
    origin = revenue.shape[1]
    features = account_features(revenue, days, origin, horizon)
    contributions = np.zeros_like(features)
    if model is not None and by_model.any():
        contributions[by_model] = model.contributions(revenue[by_model], days[by_model], origin)
    less_often = _months_less_often(days)
    last12 = features[:, _INDEX["revenue_12m"]]
    prev12 = features[:, _INDEX["revenue_prev_12m"]]
    has_year = features[:, _INDEX["months_since_first_purchase"]] >= 13
    # The same months last year against the year's average rate over as many months.
    season = (
        features[:, _INDEX["revenue_same_season_last_year"]]
        / np.maximum(last12 * horizon / 12, 1e-9)
        - 1
    )
    return [
        _account_reasons(
            features[i],
            contributions[i],
            {
                "less_often": less_often[i],
                "days_trend": features[i, _INDEX["purchase_days_trend"]],
                "growth": last12[i] / prev12[i] - 1 if prev12[i] > 0 else 0.0,
                "has_year": bool(has_year[i] and prev12[i] > 0),
                "trend": features[i, _INDEX["trend_6m"]],
                "active12": features[i, _INDEX["active_months_12"]],
                "season": season[i] if last12[i] > 0 else 0.0,
            },
            bool(new_account[rows[i]]),
            bool(by_model[i]),
        )
        for i in range(len(rows))
    ]


def _account_reasons(
    values: FloatArray, push: FloatArray, row: dict, new: bool, learned: bool
) -> list[dict]:
    reasons: list[dict] = [{"code": NEW_ACCOUNT}] if new else []
    if learned:
        order = [FEATURE_NAMES[i] for i in np.argsort(-np.abs(push), kind="stable")]
    else:
        order = list(DEFAULT_ORDER)
    for name in order:
        if len(reasons) >= MAX_REASONS:
            break
        index = _INDEX[name]
        sign = push[index] if learned else _rule_sign(name, row)
        found = _reason(name, float(values[index]), float(sign), row)
        if found and all(r["code"] != found[0] for r in reasons):
            reasons.append({"code": found[0], **found[1]})
    return reasons or [{"code": STEADY}]


def _rule_sign(name: str, row: dict) -> float:
    """Without a model: the direction a feature points to by its own value."""
    if name == "growth_12m":
        return float(np.sign(row["growth"]))
    if name == "trend_6m":
        return float(np.sign(row["trend"]))
    if name == "purchase_days_trend":
        return float(np.sign(row["days_trend"]))
    if name == "revenue_same_season_last_year":
        return float(np.sign(row["season"])) if abs(row["season"]) > SEASON_CHANGE else 0.0
    return -1.0 if name == "months_since_last_purchase" else 0.0
