"""model_lifetime_value: discounted BG/NBD × Gamma-Gamma value per account on monthly facts."""

from __future__ import annotations

import numpy as np
import pytest

from kam_analytics.errors import AnalyticsInputError
from kam_analytics.forecast import account_history, forecast_revenue, model_lifetime_value
from kam_analytics.synthetic import simulate_b2b_accounts


@pytest.fixture(scope="module")
def portfolio_history():
    portfolio = simulate_b2b_accounts(600, 36, seed=3)
    return account_history(
        portfolio.monthly_revenue, portfolio.monthly_purchase_days, portfolio.monthly_margin
    )


def test_value_is_zero_for_accounts_that_never_bought(portfolio_history):
    never = portfolio_history.monthly_purchase_days.sum(axis=1) == 0

    value = model_lifetime_value(portfolio_history)

    assert never.any() and np.all(value[never] == 0)
    assert np.all(value >= 0)


def test_discounting_lowers_the_value_below_the_undiscounted_model_revenue(portfolio_history):
    discounted = model_lifetime_value(portfolio_history)
    undiscounted = model_lifetime_value(portfolio_history, monthly_discount_rate=0.0)
    model = forecast_revenue(portfolio_history).model_revenue
    bought = undiscounted > 0

    assert np.all(discounted[bought] < undiscounted[bought])
    # Without discounting and trend, the value is the model's 12-month revenue before the trend.
    assert np.corrcoef(undiscounted[bought], model[bought])[0, 1] > 0.95


def test_refuses_a_horizon_below_one_month(portfolio_history):
    with pytest.raises(AnalyticsInputError):
        model_lifetime_value(portfolio_history, months=0)


def test_candidates_can_be_limited_to_abc_classes():
    from kam_analytics.scoring import QualificationRules, propose_status

    only_ab = QualificationRules(candidate_abc=frozenset({"A", "B"}))

    assert propose_status("none", 55, "C", only_ab) is None
    assert propose_status("none", 55, "B", only_ab).proposed == "candidate"


def test_the_forecast_and_the_value_can_share_one_fit_of_the_purchase_models(portfolio_history):
    from kam_analytics.forecast import fit_purchase_models

    models = fit_purchase_models(portfolio_history)

    shared = forecast_revenue(portfolio_history, models=models)
    alone = forecast_revenue(portfolio_history)
    for name in ("expected_revenue", "probability_alive", "expected_purchase_days"):
        assert np.array_equal(getattr(shared, name), getattr(alone, name))
    assert np.array_equal(
        model_lifetime_value(portfolio_history, models=models),
        model_lifetime_value(portfolio_history),
    )
