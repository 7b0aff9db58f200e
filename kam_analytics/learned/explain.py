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

The rules are applied to all accounts at once, one feature at a time in numpy (one account at a
time, in Python, they cost about 2 CPU s of a 100,000-account run), and each distinct list of
reasons is made once (`word_reasons`): most accounts share theirs with others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


#: Every reason code and the figure it carries (None: none); a code's number is its place here.
CODES: tuple[tuple[str, str | None], ...] = (
    (NEW_ACCOUNT, None),
    ("no_purchase_since", "months"),
    ("buys_less_often", "months"),
    ("buys_more_often", None),
    ("growing_year", "percent"),
    ("shrinking_year", "percent"),
    ("recent_up", None),
    ("recent_down", None),
    ("lumpy", None),
    ("season_strong", None),
    ("season_weak", None),
    ("regular", "months"),
)
_CODE = {code: number for number, (code, _figure) in enumerate(CODES)}
NO_REASON = -1


@dataclass(frozen=True)
class WordedReasons:
    """The reasons of some accounts: each distinct list of reasons once (`lists`) and, per
    account, the number of its list (`of_account`). Most accounts share their reasons with
    others ("steady"; "no purchase for 4 months"), so a caller words or encodes each list once."""

    lists: list[list[dict]]
    of_account: np.ndarray

    def per_account(self) -> list[list[dict]]:
        """Every account's reasons, as lists of its own."""
        return [[dict(reason) for reason in self.lists[i]] for i in self.of_account.tolist()]


def forecast_reasons(revenue: FloatArray, days: FloatArray, **options: Any) -> list[list[dict]]:
    """Reasons for the accounts `rows` (default: all): [{"code": ..., **figures}, ...] each;
    the options are those of `word_reasons`."""
    return word_reasons(revenue, days, **options).per_account()


def word_reasons(
    revenue: FloatArray,
    days: FloatArray,
    *,
    horizon: int,
    new_account: np.ndarray,
    model: LearnedForecaster | None = None,
    rows: np.ndarray | None = None,
    explained: np.ndarray | None = None,
) -> WordedReasons:
    """`forecast_reasons`, each distinct list once (see WordedReasons)."""
    rows = np.arange(revenue.shape[0]) if rows is None else np.asarray(rows, dtype=np.intp)
    by_model = np.zeros(len(rows), dtype=bool)
    if model is not None:
        by_model = np.ones(len(rows), dtype=bool) if explained is None else explained[rows]
    revenue, days = revenue[rows], days[rows]
    features = account_features(revenue, days, revenue.shape[1], horizon)
    facts = _reason_facts(features, days, horizon)
    new = np.asarray(new_account, dtype=bool)[rows]
    chosen = np.full((len(rows), MAX_REASONS, 2), NO_REASON, dtype=np.int64)
    fixed = np.flatnonzero(~by_model)
    chosen[fixed] = _pick(*_default_candidates(features[fixed], facts[fixed]), new[fixed])
    if model is not None and by_model.any():
        known = features[by_model] if model.horizon == horizon else None  # the model's own
        push = model.contributions(revenue[by_model], days[by_model], revenue.shape[1], known)
        learned = np.flatnonzero(by_model)
        chosen[learned] = _pick(
            *_learned_candidates(features[learned], push, facts[learned]), new[learned]
        )
    distinct, of_account = _distinct_rows(chosen.reshape(len(rows), 2 * MAX_REASONS))
    return WordedReasons([_reason_list(key) for key in distinct.tolist()], of_account)


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an integer matrix, and each row's number among them: np.unique
    over the rows as opaque bytes (7x faster than its axis=0, which compares column by column)."""
    as_bytes = np.ascontiguousarray(matrix).view(
        np.dtype((np.void, matrix.itemsize * matrix.shape[1]))
    )
    distinct, inverse = np.unique(as_bytes.reshape(-1), return_inverse=True)
    return distinct.view(matrix.dtype).reshape(-1, matrix.shape[1]), inverse.reshape(-1)


def _reason_facts(features: FloatArray, days: FloatArray, horizon: int) -> np.ndarray:
    """Per account what the reasons say beyond a feature's own value, a structured array."""
    last12 = features[:, _INDEX["revenue_12m"]]
    prev12 = features[:, _INDEX["revenue_prev_12m"]]
    has_year = features[:, _INDEX["months_since_first_purchase"]] >= 13
    # The same months last year against the year's average rate over as many months.
    season = (
        features[:, _INDEX["revenue_same_season_last_year"]]
        / np.maximum(last12 * horizon / 12, 1e-9)
        - 1
    )
    facts = np.zeros(len(features), dtype=_FACTS)
    facts["less_often"] = _months_less_often(days)
    facts["days_trend"] = features[:, _INDEX["purchase_days_trend"]]
    facts["growth"] = np.where(prev12 > 0, last12 / np.where(prev12 > 0, prev12, 1) - 1, 0.0)
    facts["has_year"] = has_year & (prev12 > 0)
    facts["trend"] = features[:, _INDEX["trend_6m"]]
    facts["active12"] = features[:, _INDEX["active_months_12"]]
    facts["season"] = np.where(last12 > 0, season, 0.0)
    return facts


_FACTS = np.dtype(
    [
        ("less_often", np.float64),
        ("days_trend", np.float64),
        ("growth", np.float64),
        ("has_year", bool),
        ("trend", np.float64),
        ("active12", np.float64),
        ("season", np.float64),
    ]
)


def _reasons(name: str, value: FloatArray, push: FloatArray, facts: np.ndarray):
    """Per account the reason one feature gives (its code's number and figure, NO_REASON
    where it says nothing worth saying), given the feature's `value` and its `push`."""
    code = np.full(len(value), NO_REASON, dtype=np.int64)
    figure = np.zeros(len(value), dtype=np.int64)

    def say(where: np.ndarray, reason: str, figures: FloatArray | None = None) -> None:
        where = where & (code == NO_REASON)  # the first that applies
        code[where] = _CODE[reason]
        if figures is not None:
            figure[where] = figures[where]

    if name == "months_since_last_purchase":
        say((value >= 3) & (push <= 0), "no_purchase_since", value.astype(np.int64))
    elif name in ("purchase_days_trend", "active_months_3", "purchase_days_3m"):
        less_often = facts["less_often"]
        say((push < 0) & (less_often >= 2), "buys_less_often", less_often.astype(np.int64))
        say((push > 0) & (facts["days_trend"] > 0), "buys_more_often")
    elif name in ("growth_12m", "revenue_prev_12m"):
        growth, has_year = facts["growth"], facts["has_year"]
        percent = np.rint(np.where(has_year, growth, 0.0) * 100).astype(np.int64)
        say(has_year & (growth > 0.05) & (push >= 0), "growing_year", percent)
        say(has_year & (growth < -0.05) & (push <= 0), "shrinking_year", -percent)
    elif name in ("trend_6m", "revenue_3m", "revenue_1m", "revenue_6m"):
        trend = facts["trend"]
        say((trend > 0.1) & (push >= 0), "recent_up")
        say((trend < -0.1) & (push <= 0), "recent_down")
    elif name == "largest_month_share_24m":
        say(value >= 0.5, "lumpy")
    elif name == "revenue_same_season_last_year":
        named = facts["has_year"] & (push != 0)
        say(named & (push > 0), "season_strong")
        say(named, "season_weak")
    elif name in ("active_months_12", "purchase_days_12m"):
        active12 = facts["active12"]
        say((push > 0) & (active12 >= 10), "regular", active12.astype(np.int64))
    return code, figure


def _default_candidates(features: FloatArray, facts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Without the model: the reasons of DEFAULT_ORDER's features, in that order (accounts ×
    features, codes and figures), each feature pointing the way its own value does."""
    found = [
        _reasons(name, features[:, _INDEX[name]], _rule_sign(name, facts), facts)
        for name in DEFAULT_ORDER
    ]
    return np.stack([f[0] for f in found], axis=1), np.stack([f[1] for f in found], axis=1)


def _learned_candidates(
    features: FloatArray, push: FloatArray, facts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """With the model: every feature's reason, in the order of its contribution's size."""
    found = [
        _reasons(name, features[:, i], push[:, i], facts) for i, name in enumerate(FEATURE_NAMES)
    ]
    order = np.argsort(-np.abs(push), axis=1, kind="stable")
    codes = np.stack([f[0] for f in found], axis=1)
    figures = np.stack([f[1] for f in found], axis=1)
    return np.take_along_axis(codes, order, axis=1), np.take_along_axis(figures, order, axis=1)


def _pick(codes: np.ndarray, figures: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Per account the first MAX_REASONS distinct reasons of the candidates (accounts ×
    candidates), after the caution for new accounts: accounts × MAX_REASONS × (code, figure)."""
    chosen = np.full((len(codes), MAX_REASONS, 2), NO_REASON, dtype=np.int64)
    chosen[new, 0, 0] = _CODE[NEW_ACCOUNT]
    count = new.astype(np.int64)
    everyone = np.arange(len(codes))
    for column in range(codes.shape[1]):
        code = codes[:, column]
        fresh = (code != NO_REASON) & (count < MAX_REASONS)
        fresh &= ~(chosen[:, :, 0] == code[:, None]).any(axis=1)
        taken = everyone[fresh]
        chosen[taken, count[fresh], 0] = code[fresh]
        chosen[taken, count[fresh], 1] = figures[fresh, column]
        count += fresh
    return chosen


def _reason_list(key: list[int]) -> list[dict]:
    """The reasons of one row of `_pick` (code, figure, code, figure, ...) as dicts."""
    reasons = []
    for code, figure in zip(key[::2], key[1::2], strict=True):
        if code != NO_REASON:
            name, figure_name = CODES[code]
            reasons.append({"code": name} | ({} if figure_name is None else {figure_name: figure}))
    return reasons or [{"code": STEADY}]


def _rule_sign(name: str, facts: np.ndarray) -> FloatArray:
    """Without a model: the direction a feature points to by its own value."""
    if name == "growth_12m":
        return np.sign(facts["growth"])
    if name == "trend_6m":
        return np.sign(facts["trend"])
    if name == "purchase_days_trend":
        return np.sign(facts["days_trend"])
    season = facts["season"]
    if name == "revenue_same_season_last_year":
        return np.where(np.abs(season) > SEASON_CHANGE, np.sign(season), 0.0)
    return np.full(len(facts), -1.0 if name == "months_since_last_purchase" else 0.0)
