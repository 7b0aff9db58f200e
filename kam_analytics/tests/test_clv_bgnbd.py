"""BG/NBD: published CDNOW estimates, hand-checkable formulas, gradients, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_analytics.clv import (
    BgNbdFit,
    conditional_expected_transactions,
    fit_bgnbd,
    probability_alive,
)
from kam_analytics.clv.bgnbd import _compress, _log_likelihood_and_gradient
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError
from kam_analytics.synthetic import simulate_bgnbd_customers

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW calibration sample.
PUBLISHED = BgNbdFit(
    r=0.243,
    alpha=4.414,
    a=0.793,
    b=2.426,
    log_likelihood=-9582.4,
    standard_errors={},
    n_customers=2357,
    n_unique_rows=0,
    converged=True,
)


@pytest.fixture(scope="module")
def cdnow_fit(cdnow: np.ndarray) -> BgNbdFit:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_cdnow_maximum_likelihood_estimates_match_the_paper(cdnow_fit: BgNbdFit) -> None:
    assert round(cdnow_fit.r, 3) == 0.243
    assert round(cdnow_fit.alpha, 3) == 4.414
    assert round(cdnow_fit.a, 3) == 0.793
    assert round(cdnow_fit.b, 3) == 2.426
    assert round(cdnow_fit.log_likelihood, 1) == -9582.4
    assert cdnow_fit.converged
    assert cdnow_fit.n_customers == 2357


def test_cdnow_standard_errors_match_lifetimes_documentation(cdnow_fit: BgNbdFit) -> None:
    # lifetimes' documented BetaGeoFitter.summary on the same data.
    assert cdnow_fit.r_se == pytest.approx(0.012557, abs=2e-5)
    assert cdnow_fit.alpha_se == pytest.approx(0.378221, abs=5e-4)
    assert cdnow_fit.a_se == pytest.approx(0.185719, abs=3e-4)
    assert cdnow_fit.b_se == pytest.approx(0.705345, abs=1e-3)


def test_published_conditional_expectation_for_customer_with_two_repeat_purchases() -> None:
    # FHL 2005: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    expected = conditional_expected_transactions(PUBLISHED, 39, [2], [30.43], [38.86])
    assert round(float(expected[0]), 3) == 1.226


def test_probability_alive_matches_the_closed_form_by_hand() -> None:
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    by_hand = 1 / (1 + a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert probability_alive(PUBLISHED, [2], [30.43], [38.86])[0] == pytest.approx(by_hand)


def test_customers_without_repeat_purchase_are_alive_for_sure() -> None:
    assert probability_alive(PUBLISHED, [0, 0], [0, 0], [1.0, 50.0]).tolist() == [1.0, 1.0]


def test_long_silence_lowers_probability_alive() -> None:
    alive = probability_alive(PUBLISHED, [5, 5, 5], [30.0, 20.0, 5.0], [39.0, 39.0, 39.0])
    assert alive[0] > alive[1] > alive[2]


def _hand_log_likelihood(params: tuple[float, ...], x: int, t_x: float, T: float) -> float:
    """BG/NBD likelihood of one customer written out with math.lgamma, as in FHL eq. (6)."""
    r, alpha, a, b = params

    def log_beta(u: float, v: float) -> float:
        return math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)

    log_common = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
    alive = log_beta(a, b + x) - log_beta(a, b) - (r + x) * math.log(alpha + T)
    likelihood = math.exp(log_common + alive)
    if x > 0:
        dropped = log_beta(a + 1, b + x - 1) - log_beta(a, b) - (r + x) * math.log(alpha + t_x)
        likelihood += math.exp(log_common + dropped)
    return math.log(likelihood)


def test_weighted_unique_rows_give_the_exact_per_customer_likelihood(cdnow: np.ndarray) -> None:
    params = (0.5, 3.0, 1.2, 2.0)
    rows = _compress(cdnow["x"], cdnow["t_x"], cdnow["T"])
    compressed, _ = _log_likelihood_and_gradient(np.array(params), rows)
    by_customer = sum(
        _hand_log_likelihood(params, int(x), t_x, T)
        for x, t_x, T in zip(cdnow["x"], cdnow["t_x"], cdnow["T"], strict=True)
    )
    assert compressed == pytest.approx(by_customer, rel=1e-10)
    assert len(rows.x) + len(rows.once_T) < len(cdnow)


def test_analytic_gradient_matches_finite_differences(cdnow: np.ndarray) -> None:
    rows = _compress(cdnow["x"], cdnow["t_x"], cdnow["T"])
    params = np.array([0.4, 6.0, 1.3, 3.1])
    _, gradient = _log_likelihood_and_gradient(params, rows)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * params[i]
        upper = _log_likelihood_and_gradient(params + step, rows)[0]
        lower = _log_likelihood_and_gradient(params - step, rows)[0]
        assert gradient[i] == pytest.approx((upper - lower) / (2 * step[i]), rel=1e-5)


def test_fit_recovers_simulated_parameters_within_four_standard_errors() -> None:
    customers = simulate_bgnbd_customers(100_000, seed=7)
    fit = fit_bgnbd(customers.frequency, customers.recency, customers.T)
    truth = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in truth.items():
        assert abs(getattr(fit, name) - value) < 4 * fit.standard_errors[name], name


def test_expected_transactions_are_zero_for_a_zero_horizon() -> None:
    expected = conditional_expected_transactions(PUBLISHED, 0, [0, 3], [0, 10.0], [20.0, 30.0])
    assert expected == pytest.approx([0.0, 0.0], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(min_value=0, max_value=200),
    age=st.floats(min_value=0.5, max_value=500),
    recency_share=st.floats(min_value=0, max_value=1),
    horizon=st.floats(min_value=0.1, max_value=200),
)
def test_expectations_are_non_negative_and_grow_with_the_horizon(
    x: int, age: float, recency_share: float, horizon: float
) -> None:
    t_x = age * recency_share if x > 0 else 0.0
    alive = probability_alive(PUBLISHED, [x], [t_x], [age])[0]
    shorter, longer = (
        conditional_expected_transactions(PUBLISHED, t, [x], [t_x], [age])[0]
        for t in (horizon, 2 * horizon)
    )
    assert 0 <= alive <= 1
    assert 0 <= shorter <= longer


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, 2], [1.0], [5.0], "same length"),
        ([1, np.nan], [1.0, 2.0], [5.0, 5.0], "NaN"),
        ([-1], [0.0], [5.0], "non-negative whole"),
        ([1.5], [1.0], [5.0], "non-negative whole"),
        ([2], [6.0], [5.0], "between 0 and T"),
        ([0], [2.0], [5.0], "recency must be 0"),
        ([1], [0.0], [0.0], "must be positive"),
        ([], [], [], "empty"),
    ],
)
def test_malformed_inputs_are_refused(
    frequency: list[float], recency: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(AnalyticsInputError, match=message):
        fit_bgnbd(frequency, recency, T)


def test_a_population_without_repeat_purchases_is_refused() -> None:
    with pytest.raises(ModelNotApplicableError, match="nobody bought twice"):
        fit_bgnbd([0, 0, 0], [0, 0, 0], [10.0, 12.0, 30.0])


def test_refusals_are_value_errors() -> None:
    with pytest.raises(ValueError):
        fit_bgnbd([0], [0], [10.0])


def test_log_hyp2f1_takes_eulers_transformation_only_where_the_series_overflows() -> None:
    from scipy.special import hyp2f1

    from kam_analytics.clv.bgnbd import _log_hyp2f1

    # Given one argument set whose series overflows (large a and b, z near 1) and two that do not
    a = np.array([2.0, 400.0, 3.0])
    b = np.array([1.5, 380.0, 0.5])
    c = np.array([4.0, 390.0, 5.0])
    z = np.array([0.3, 0.97, 0.5])

    # When its logarithm is taken
    result = _log_hyp2f1(a, b, c, z)

    # Then the finite ones are the series' own, the overflowing one Euler's transformation
    assert not np.isfinite(np.log(hyp2f1(a[1], b[1], c[1], z[1])))
    euler = np.log(hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    assert result[[0, 2]].tolist() == np.log(hyp2f1(a, b, c, z))[[0, 2]].tolist()
    assert result[1] == euler[1] and np.isfinite(result[1])
    # and each value is the same whichever others it is computed with
    finite = [0, 2]
    assert _log_hyp2f1(a[finite], b[finite], c[finite], z[finite]).tolist() == (
        result[finite].tolist()
    )
