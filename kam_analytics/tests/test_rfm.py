"""RFM quintile scores and segments."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kam_analytics.rfm import SEGMENTS, quintile_scores, rfm_scores, rfm_segments


def test_ten_distinct_values_give_two_per_quintile() -> None:
    assert quintile_scores(range(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_equal_values_get_equal_scores() -> None:
    assert quintile_scores([7, 7, 7]).tolist() == [3, 3, 3]


def test_recent_buyers_score_high_on_recency() -> None:
    scores = rfm_scores([5, 400, 30, 90, 200], [12, 1, 6, 4, 2], [9e4, 1e3, 4e4, 2e4, 5e3])
    assert scores.recency.tolist() == [5, 1, 4, 3, 2]
    assert scores.segment[0] == "champions"
    assert scores.segment[1] == "hibernating"


def test_every_score_combination_has_a_segment() -> None:
    combos = np.array(list(itertools.product(range(1, 6), repeat=3)))
    segments = rfm_segments(combos[:, 0], combos[:, 1], combos[:, 2])
    assert set(segments) <= set(SEGMENTS) and "" not in set(segments)


def test_big_old_customer_gone_quiet_cannot_be_lost() -> None:
    assert rfm_segments([1], [5], [5]).tolist() == ["cannot_lose"]
    assert rfm_segments([5], [1], [1]).tolist() == ["new"]


@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=50))
def test_scores_are_monotone_in_the_value(values: list[float]) -> None:
    scores = quintile_scores(values)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    assert scores.min() >= 1 and scores.max() <= 5
