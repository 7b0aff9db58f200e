"""Key-account score, status proposals and the portfolio matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_analytics.errors import AnalyticsInputError
from kam_analytics.scoring import (
    STATUSES,
    QualificationRules,
    StatusProposal,
    key_account_scores,
    normalised_criteria,
    percentile_ranks,
    portfolio_matrix,
    propose_status,
    proposed_statuses,
    weighted_score,
)

NAN = float("nan")


def test_percentile_ranks_run_from_zero_to_one() -> None:
    assert percentile_ranks([30, 10, 20, 20]).tolist() == [1.0, 0.0, 0.5, 0.5]
    assert percentile_ranks([7]).tolist() == [0.5]


def test_score_by_hand() -> None:
    scores = key_account_scores(
        {"revenue": [100, 50, 10]},
        {"strategic_fit": [5, 3, 1]},
        {"revenue": 3.0, "strategic_fit": 1.0},
    )
    # Account 2: revenue rank 0.5, fit (3 − 1) / 4 = 0.5 → 50.
    assert scores.score.tolist() == pytest.approx([100.0, 50.0, 0.0])


def test_missing_ratings_renormalise_or_count_as_neutral() -> None:
    criteria = normalised_criteria({"revenue": [100, 10]}, {"potential": [NAN, 5]})
    weights = {"revenue": 1.0, "potential": 1.0}
    assert weighted_score(criteria, weights).tolist() == pytest.approx([100.0, 50.0])
    neutral = weighted_score(criteria, weights, missing="neutral")
    assert neutral.tolist() == pytest.approx([75.0, 50.0])


def test_ratings_outside_one_to_five_are_refused() -> None:
    with pytest.raises(AnalyticsInputError, match="between 1 and 5"):
        normalised_criteria({}, {"potential": [0]})


def test_upgrade_needs_the_abc_class() -> None:
    assert propose_status("candidate", 70, "A") == StatusProposal(
        "candidate", "key_account", "upgrade"
    )
    assert propose_status("candidate", 70, "C") is None


def test_upgrade_to_strategic_and_from_nothing() -> None:
    assert propose_status("key_account", 85, "A") == StatusProposal(
        "key_account", "strategic", "upgrade"
    )
    assert propose_status("none", 55, "C") == StatusProposal("none", "candidate", "upgrade")


def test_hysteresis_keeps_a_status_just_below_its_bar() -> None:
    assert propose_status("key_account", 62, "B") is None
    downgrade = propose_status("key_account", 58, "B")
    assert downgrade == StatusProposal("key_account", "candidate", "downgrade")
    assert propose_status("strategic", 30, "A") == StatusProposal("strategic", "none", "downgrade")


def test_rules_are_configurable_and_unknown_scores_propose_nothing() -> None:
    strict = QualificationRules(candidate=60, hysteresis=0)
    assert propose_status("none", 55, "A", strict) is None
    assert propose_status("candidate", NAN, "A") is None


def test_portfolio_quadrants() -> None:
    criteria = normalised_criteria(
        {"growth": [0.3, 0.3, -0.2, -0.2], "margin": [5, 1, 5, 1]},
        {
            "potential": [5, 5, 1, 1],
            "share_of_wallet": [5, 1, 5, 1],
            "relationship_quality": [5, 1, 5, 1],
        },
    )
    matrix = portfolio_matrix(criteria)
    assert matrix.quadrant.tolist() == ["star", "question_mark", "harvest", "withdraw"]
    assert np.all((matrix.attractiveness >= 0) & (matrix.attractiveness <= 100))


def test_more_complaints_mean_a_lower_score_all_else_equal() -> None:
    data = {"revenue": [100.0, 100.0, 100.0], "complaints": [0.0, 2.0, 5.0]}

    scores = key_account_scores(data, {}, {"revenue": 1.0, "complaints": 1.0})

    assert scores.score[0] > scores.score[1] > scores.score[2]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STATUSES),
            st.one_of(st.floats(min_value=0, max_value=100), st.just(float("nan"))),
            st.sampled_from("ABC"),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([QualificationRules(), QualificationRules(candidate_abc=frozenset("AB"))]),
)
def test_proposed_statuses_of_many_accounts_are_those_of_each_one(accounts, rules) -> None:
    current, score, abc = (np.array(column) for column in zip(*accounts, strict=True))

    proposed = proposed_statuses(current, score.astype(float), abc, rules)

    expected = [propose_status(c, s, a, rules) for c, s, a in accounts]
    assert proposed.tolist() == ["" if p is None else p.proposed for p in expected]


def test_portfolio_quadrant_unknown_where_a_criterion_is_missing() -> None:
    matrix = portfolio_matrix(
        {"potential": np.array([np.nan, 80.0]), "share_of_wallet": np.array([30.0, np.nan])},
        attractiveness_weights={"potential": 1.0},
        position_weights={"share_of_wallet": 1.0},
    )

    assert matrix.quadrant.tolist() == ["", ""]
