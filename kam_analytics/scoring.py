"""Key-account evaluation: a weighted 0–100 score, status proposals and the portfolio matrix.

Criteria come in two kinds. Data criteria (revenue, margin, growth, forecast, P(alive), ...) are
raw numbers, normalised to 0..1 by percentile rank within the portfolio (ties share their mean
rank; a single account gets 0.5). Rated criteria (potential, reference value, image value,
strategic fit, relationship quality, share of wallet, ...) are ratings 1–5 given by people,
normalised as (rating − 1) / 4; NaN means "not rated". A missing value is either left out and
the remaining weights renormalised (default: the score reflects what is known) or counted as
neutral 0.5 (`missing="neutral"`). Status and quadrant codes are English; the UI translates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics._arrays import FloatArray
from kam_analytics.errors import AnalyticsInputError

DATA_CRITERIA = (
    "revenue",
    "margin",
    "growth",
    "forecast",
    "probability_alive",
    "complaints",
    "profitability",
    "event_attendance",
)
#: Data criteria where less is better: their percentile rank is turned round.
LOWER_IS_BETTER = frozenset({"complaints"})
#: Data criteria that count events: an account without any had none (0). Every other
#: criterion is unknown (NaN) for an account without a value, and its weight goes to the rest.
COUNTED = frozenset({"complaints", "event_attendance"})
RATED_CRITERIA = (
    "potential",
    "share_of_wallet",
    "reference_value",
    "image_value",
    "strategic_fit",
    "relationship_quality",
)
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "revenue": 0.20,
    "margin": 0.15,
    "growth": 0.10,
    "forecast": 0.10,
    "probability_alive": 0.05,
    "complaints": 0.05,
    "potential": 0.15,
    "reference_value": 0.05,
    "image_value": 0.05,
    "strategic_fit": 0.10,
    "relationship_quality": 0.05,
}
STATUSES = ("none", "candidate", "key_account", "strategic")


def percentile_ranks(values: ArrayLike) -> FloatArray:
    """0 for the lowest, 1 for the highest value; NaN stays NaN (not known)."""
    value = np.asarray(values, dtype=np.float64)
    known = ~np.isnan(value)
    result = np.full(len(value), np.nan)
    count = int(known.sum())
    if count == 1:
        result[known] = 0.5
    elif count > 1:
        # Imported here: scipy.stats takes half a second to import, which every `kam` command
        # paid at its start (this module is read with the models).
        from scipy.stats import rankdata

        result[known] = (rankdata(value[known]) - 1) / (count - 1)
    return result


def normalised_ratings(ratings: ArrayLike) -> FloatArray:
    """Ratings 1–5 to 0..1; NaN stays NaN (not rated)."""
    rating = np.asarray(ratings, dtype=np.float64)
    if np.any((rating < 1) | (rating > 5)):
        raise AnalyticsInputError("ratings must lie between 1 and 5 (NaN for not rated)")
    return (rating - 1) / 4


def normalised_criteria(
    data: Mapping[str, ArrayLike], ratings: Mapping[str, ArrayLike]
) -> dict[str, FloatArray]:
    """Every criterion on the 0..1 scale; data by percentile rank, ratings linearly."""
    overlap = set(data) & set(ratings)
    if overlap:
        raise AnalyticsInputError(f"criteria given both as data and as ratings: {sorted(overlap)}")
    criteria = {name: percentile_ranks(values) for name, values in data.items()}
    for name in LOWER_IS_BETTER & set(criteria):
        criteria[name] = 1 - criteria[name]
    criteria |= {name: normalised_ratings(values) for name, values in ratings.items()}
    if len({len(values) for values in criteria.values()}) > 1:
        raise AnalyticsInputError("every criterion needs one value per account")
    return criteria


def weighted_score(
    criteria: Mapping[str, FloatArray],
    weights: Mapping[str, float],
    *,
    missing: str = "renormalise",
) -> FloatArray:
    """0–100 per account: the weighted mean of the criteria that are present in `weights`."""
    if missing not in ("renormalise", "neutral"):
        raise AnalyticsInputError('missing must be "renormalise" or "neutral"')
    used = [name for name in weights if name in criteria and weights[name] > 0]
    if not used or any(weights[name] < 0 for name in weights):
        raise AnalyticsInputError("weights must be non-negative and name at least one criterion")
    values = np.array([criteria[name] for name in used])
    weight = np.array([weights[name] for name in used])[:, None] * np.ones_like(values)
    if missing == "neutral":
        values = np.where(np.isnan(values), 0.5, values)
    weight = np.where(np.isnan(values), 0.0, weight)
    total = weight.sum(axis=0)
    weighted = (np.nan_to_num(values) * weight).sum(axis=0)
    return np.asarray(
        np.where(total > 0, 100 * weighted / np.where(total > 0, total, 1), np.nan),
        dtype=np.float64,
    )


def ratings_from_data(values: ArrayLike) -> FloatArray:
    """A rating 1–5 from a data value where one exists (NaN elsewhere): 1 + 4 × the value's
    percentile rank among the accounts that have one. It replaces a typed-in rating where the
    data speaks (e.g. the business an account's referrals brought, or references it served)."""
    return 1 + 4 * percentile_ranks(values)


def overlay_ratings(typed: ArrayLike, from_data: ArrayLike) -> FloatArray:
    """The rating from data where there is one, else the typed-in rating."""
    data = np.asarray(from_data, dtype=np.float64)
    return np.where(np.isnan(data), np.asarray(typed, dtype=np.float64), data)


@dataclass(frozen=True)
class KeyAccountScores:
    score: FloatArray  # 0–100, NaN where no weighted criterion is known
    criteria: dict[str, FloatArray]  # each 0..1


def key_account_scores(
    data: Mapping[str, ArrayLike],
    ratings: Mapping[str, ArrayLike],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    *,
    missing: str = "renormalise",
) -> KeyAccountScores:
    """Score every account 0–100 from data criteria and people's ratings."""
    criteria = normalised_criteria(data, ratings)
    return KeyAccountScores(weighted_score(criteria, weights, missing=missing), criteria)


@dataclass(frozen=True)
class QualificationRules:
    """Score thresholds per status; a status is lost only `hysteresis` points below its bar."""

    candidate: float = 50.0
    key_account: float = 65.0
    strategic: float = 80.0
    hysteresis: float = 5.0
    key_account_abc: frozenset[str] = frozenset({"A", "B"})
    strategic_abc: frozenset[str] = frozenset({"A"})
    candidate_abc: frozenset[str] = frozenset({"A", "B", "C"})


@dataclass(frozen=True)
class StatusProposal:
    current: str
    proposed: str
    direction: str  # "upgrade" or "downgrade"


def propose_status(
    current: str, score: float, abc_class: str, rules: QualificationRules = QualificationRules()
) -> StatusProposal | None:
    """Propose the status that score and ABC class qualify for, or None if it is the current one.

    An upgrade needs the full threshold (and the ABC class); keeping a status needs the threshold
    minus the hysteresis, so an account near a bar does not flip every run. Scores that are not
    known (NaN) propose nothing.
    """
    if current not in STATUSES:
        raise AnalyticsInputError(f"unknown status {current!r}")
    if np.isnan(score):
        return None
    level = STATUSES.index(current)
    qualified = max(
        (
            i
            for i, status in enumerate(STATUSES)
            if _qualifies(status, score, abc_class, i <= level, rules)
        ),
        default=0,
    )
    if qualified == level:
        return None
    return StatusProposal(
        current, STATUSES[qualified], "upgrade" if qualified > level else "downgrade"
    )


def proposed_statuses(
    current: NDArray[np.str_],
    score: FloatArray,
    abc_class: NDArray[np.str_],
    rules: QualificationRules = QualificationRules(),
) -> NDArray[np.str_]:
    """`propose_status` of every account at once: the proposed status, "" where none (an
    analysis run asks for 100,000 accounts)."""
    current, abc_class = np.asarray(current), np.asarray(abc_class)
    unknown = ~np.isin(current, STATUSES)
    if unknown.any():
        raise AnalyticsInputError(f"unknown status {current[unknown][0]!r}")
    score = np.asarray(score, dtype=np.float64)
    level = np.zeros(len(current), dtype=np.int64)
    for i, status in enumerate(STATUSES):
        level[current == status] = i
    qualified = np.zeros(len(score), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for i, status in enumerate(STATUSES[1:], start=1):
            held = i <= level
            bar = getattr(rules, status) - np.where(held, rules.hysteresis, 0.0)
            allowed = {
                "candidate": rules.candidate_abc,
                "key_account": rules.key_account_abc,
                "strategic": rules.strategic_abc,
            }[status]
            fits = (score >= bar) & np.isin(abc_class, list(allowed))
            qualified = np.where(fits, i, qualified)
    changes = ~np.isnan(score) & (qualified != level)
    return np.where(changes, np.array(STATUSES)[qualified], "").astype("<U20")


def _qualifies(
    status: str, score: float, abc_class: str, held: bool, rules: QualificationRules
) -> bool:
    if status == "none":
        return True
    bar = getattr(rules, status) - (rules.hysteresis if held else 0.0)
    allowed_abc = {
        "candidate": rules.candidate_abc,
        "key_account": rules.key_account_abc,
        "strategic": rules.strategic_abc,
    }
    return score >= bar and abc_class in allowed_abc.get(status, {abc_class})


ATTRACTIVENESS_WEIGHTS: Mapping[str, float] = {
    "potential": 0.35,
    "growth": 0.25,
    "revenue": 0.20,
    "strategic_fit": 0.20,
}
POSITION_WEIGHTS: Mapping[str, float] = {
    "share_of_wallet": 0.40,
    "relationship_quality": 0.35,
    "margin": 0.25,
}
QUADRANTS = {
    (True, True): "star",  # attractive and strong: invest, grow ("Star/Ausbauen")
    (True, False): "question_mark",  # attractive, weak position: build up or decide
    (False, True): "harvest",  # less attractive, strong position: skim ("Abschöpfen")
    (False, False): "withdraw",  # neither: reduce effort ("Abbauen")
}


@dataclass(frozen=True)
class PortfolioMatrix:
    attractiveness: FloatArray  # 0–100: how attractive the customer is for us
    position: FloatArray  # 0–100: how strong our position with the customer is
    quadrant: NDArray[np.str_]  # "star", "question_mark", "harvest", "withdraw" ("" if unknown)


def portfolio_matrix(
    criteria: Mapping[str, FloatArray],
    *,
    attractiveness_weights: Mapping[str, float] = ATTRACTIVENESS_WEIGHTS,
    position_weights: Mapping[str, float] = POSITION_WEIGHTS,
    split: float = 50.0,
    missing: str = "renormalise",
) -> PortfolioMatrix:
    """Place accounts on customer attractiveness × our position, from normalised criteria."""
    attractiveness = weighted_score(criteria, attractiveness_weights, missing=missing)
    position = weighted_score(criteria, position_weights, missing=missing)
    known = ~np.isnan(attractiveness) & ~np.isnan(position)
    quadrant = np.full(len(attractiveness), "", dtype="<U13")
    with np.errstate(invalid="ignore"):
        attractive, strong = attractiveness >= split, position >= split
    for (is_attractive, is_strong), name in QUADRANTS.items():
        quadrant[known & (attractive == is_attractive) & (strong == is_strong)] = name
    return PortfolioMatrix(attractiveness, position, quadrant)
