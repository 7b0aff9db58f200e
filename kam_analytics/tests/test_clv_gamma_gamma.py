"""Gamma-Gamma and discounted CLV: published CDNOW estimates, gradients, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kam_analytics.clv import (
    GammaGammaFit,
    conditional_expected_average_spend,
    conditional_expected_transactions,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
)
from kam_analytics.clv.gamma_gamma import _compress, _log_likelihood_and_gradient
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError
from kam_analytics.synthetic import simulate_bgnbd_customers


@pytest.fixture(scope="module")
def cdnow_spend_fit(cdnow: np.ndarray) -> GammaGammaFit:
    return fit_gamma_gamma(cdnow["x"], cdnow["zbar"])


def test_cdnow_estimates_match_the_published_values(cdnow_spend_fit: GammaGammaFit) -> None:
    # Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013): p 6.25, q 3.74, γ 15.44.
    # The shipped file rounds average spend to cents, which moves γ in the third digit.
    assert round(cdnow_spend_fit.p, 2) == 6.25
    assert round(cdnow_spend_fit.q, 2) == 3.74
    assert cdnow_spend_fit.gamma == pytest.approx(15.44, abs=0.01)
    assert cdnow_spend_fit.n_customers == 946


def test_cdnow_expected_spend_matches_lifetimes_documentation(
    cdnow: np.ndarray, cdnow_spend_fit: GammaGammaFit
) -> None:
    first = slice(0, 4)
    expected = conditional_expected_average_spend(
        cdnow_spend_fit, cdnow["x"][first], cdnow["zbar"][first]
    )
    assert expected == pytest.approx([24.658619, 18.911489, 35.170981, 35.170981], abs=1e-3)


def test_expected_spend_is_the_credibility_weighted_mean_by_hand() -> None:
    model = GammaGammaFit(6.0, 4.0, 15.0, 0.0, {}, 1, 1, True)
    population_mean = 6.0 * 15.0 / (4.0 - 1)
    own_weight = 6.0 * 3 / (6.0 * 3 + 4.0 - 1)
    expected = conditional_expected_average_spend(model, [3, 0], [50.0, 0.0])
    assert expected[0] == pytest.approx(own_weight * 50.0 + (1 - own_weight) * population_mean)
    assert expected[1] == pytest.approx(population_mean)


def _hand_log_likelihood(p: float, q: float, gamma: float, x: float, m: float) -> float:
    return (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(gamma)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(gamma + x * m)
    )


def test_weighted_unique_rows_give_the_exact_per_customer_likelihood(cdnow: np.ndarray) -> None:
    repeat = cdnow["x"] > 0
    x, m = cdnow["x"][repeat], cdnow["zbar"][repeat]
    value, _ = _log_likelihood_and_gradient(np.array([2.0, 3.0, 10.0]), _compress(x, m))
    by_customer = sum(
        _hand_log_likelihood(2.0, 3.0, 10.0, xi, mi) for xi, mi in zip(x, m, strict=True)
    )
    assert value == pytest.approx(by_customer, rel=1e-10)


def test_analytic_gradient_matches_finite_differences(cdnow: np.ndarray) -> None:
    repeat = cdnow["x"] > 0
    rows = _compress(cdnow["x"][repeat], cdnow["zbar"][repeat])
    params = np.array([3.0, 2.5, 20.0])
    _, gradient = _log_likelihood_and_gradient(params, rows)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6 * params[i]
        upper = _log_likelihood_and_gradient(params + step, rows)[0]
        lower = _log_likelihood_and_gradient(params - step, rows)[0]
        assert gradient[i] == pytest.approx((upper - lower) / (2 * step[i]), rel=1e-5)


def test_fit_recovers_simulated_parameters_within_four_standard_errors() -> None:
    customers = simulate_bgnbd_customers(100_000, seed=11)
    fit = fit_gamma_gamma(customers.frequency, customers.monetary_value)
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert abs(getattr(fit, name) - value) < 4 * fit.standard_errors[name], name


def test_expected_spend_is_refused_when_q_is_at_most_one() -> None:
    heavy_tailed = GammaGammaFit(2.0, 0.9, 10.0, 0.0, {}, 1, 1, True)
    with pytest.raises(ModelNotApplicableError, match="q = 0.900 ≤ 1"):
        conditional_expected_average_spend(heavy_tailed, [2], [30.0])


@pytest.mark.parametrize(
    ("frequency", "monetary_value", "message"),
    [
        ([1, 2], [10.0], "same length"),
        ([1], [np.nan], "NaN"),
        ([1], [-5.0], "must not be negative"),
        ([2], [0.0], "positive average spend"),
    ],
)
def test_malformed_inputs_are_refused(
    frequency: list[float], monetary_value: list[float], message: str
) -> None:
    with pytest.raises(AnalyticsInputError, match=message):
        fit_gamma_gamma(frequency, monetary_value)


def test_no_repeat_buyers_is_refused() -> None:
    with pytest.raises(ModelNotApplicableError, match="repeat buyers"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])


def test_undiscounted_clv_is_expected_purchases_times_expected_spend(cdnow: np.ndarray) -> None:
    x, t_x, T, m = cdnow["x"][:50], cdnow["t_x"][:50], cdnow["T"][:50], cdnow["zbar"][:50]
    bgnbd = fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    spend_model = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    value = customer_lifetime_value(
        bgnbd, spend_model, x, t_x, T, m, monthly_discount_rate=0.0, time_units_per_month=4.0
    )
    purchases = conditional_expected_transactions(bgnbd, 48.0, x, t_x, T)
    spend = conditional_expected_average_spend(spend_model, x, m)
    assert value == pytest.approx(purchases * spend)
    discounted_margin = customer_lifetime_value(
        bgnbd, spend_model, x, t_x, T, m, time_units_per_month=4.0, profit_margin=0.3
    )
    assert np.all(discounted_margin < 0.3 * value)
    assert np.all(discounted_margin > 0.3 * value / 1.10)
