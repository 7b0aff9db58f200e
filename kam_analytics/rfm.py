"""RFM: recency, frequency and monetary quintile scores 1–5 and named customer segments.

Scores are rank-based quintiles: the accounts are ranked (ties share their average rank) and the
percentile (rank − ½)/n is cut into fifths, so equal inputs always get equal scores. A recent
purchase scores high: recency is passed as days since the last purchase and scored in reverse.

Segments follow the common R × FM grid, with FM the rounded mean of the F and M scores; the codes
are English, the UI translates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics._arrays import (
    FloatArray,
    as_float_vector,
    require_non_empty,
    require_same_length,
)
from kam_analytics.errors import AnalyticsInputError

IntArray = NDArray[np.int64]

# (segment, R scores, FM scores), checked in order: the first match names the account.
SEGMENT_RULES: tuple[tuple[str, frozenset[int], frozenset[int]], ...] = (
    ("champions", frozenset({5}), frozenset({4, 5})),
    ("loyal", frozenset({3, 4}), frozenset({4, 5})),
    ("cannot_lose", frozenset({1, 2}), frozenset({5})),
    ("at_risk", frozenset({1, 2}), frozenset({3, 4})),
    ("hibernating", frozenset({1, 2}), frozenset({1, 2})),
    ("potential_loyalist", frozenset({4, 5}), frozenset({2, 3})),
    ("new", frozenset({5}), frozenset({1})),
    ("promising", frozenset({4}), frozenset({1})),
    ("need_attention", frozenset({3}), frozenset({3})),
    ("about_to_sleep", frozenset({3}), frozenset({1, 2})),
)
SEGMENTS = tuple(rule[0] for rule in SEGMENT_RULES)


@dataclass(frozen=True)
class RfmScores:
    """Per-account scores 1–5 (5 is best) and segment code."""

    recency: IntArray
    frequency: IntArray
    monetary: IntArray
    segment: NDArray[np.str_]


def quintile_scores(values: ArrayLike) -> IntArray:
    """Score each value 1–5 by its rank among all values (higher value, higher score)."""
    value = as_float_vector(values, "values")
    require_non_empty(value, "values")
    # Imported here: scipy.stats takes half a second to import, which every `kam` command
    # paid at its start (this module is read with the models).
    from scipy.stats import rankdata

    percentile = (rankdata(value, method="average") - 0.5) / len(value)
    return np.clip(np.floor(percentile * 5).astype(np.int64) + 1, 1, 5)


def rfm_scores(
    days_since_last_purchase: ArrayLike, frequency: ArrayLike, monetary: ArrayLike
) -> RfmScores:
    """Score and segment accounts; frequency and monetary refer to the same period."""
    recency_days = as_float_vector(days_since_last_purchase, "days_since_last_purchase")
    count = as_float_vector(frequency, "frequency")
    value = as_float_vector(monetary, "monetary")
    require_same_length(recency=recency_days, frequency=count, monetary=value)
    if np.any(recency_days < 0) or np.any(count < 0):
        raise AnalyticsInputError("recency in days and frequency must not be negative")
    r, f, m = quintile_scores(-recency_days), quintile_scores(count), quintile_scores(value)
    return RfmScores(recency=r, frequency=f, monetary=m, segment=rfm_segments(r, f, m))


def rfm_segments(recency: ArrayLike, frequency: ArrayLike, monetary: ArrayLike) -> NDArray[np.str_]:
    """Name the segment of each account from its three scores."""
    r = np.asarray(recency, dtype=np.int64)
    fm = _frequency_monetary(
        np.asarray(frequency, dtype=np.int64), np.asarray(monetary, dtype=np.int64)
    )
    segment = np.full(len(r), "", dtype=f"<U{max(map(len, SEGMENTS))}")
    for name, r_scores, fm_scores in reversed(SEGMENT_RULES):
        matches = np.isin(r, list(r_scores)) & np.isin(fm, list(fm_scores))
        segment[matches] = name
    return segment


def _frequency_monetary(frequency: IntArray, monetary: IntArray) -> FloatArray:
    # Round half up, so that (5, 4) counts as 5: buying often and big is what FM means.
    return np.floor((frequency + monetary) / 2 + 0.5)
