"""Tomorrow's top customers: inputs from monthly facts, the forecast, and the backtest."""

from __future__ import annotations

import numpy as np
import pytest

from kam_analytics.errors import AnalyticsInputError
from kam_analytics.forecast import (
    account_history,
    backtest,
    calibrated_band,
    forecast_accuracy,
    forecast_band,
    forecast_revenue,
    naive_forecast,
    purchase_summary,
    split_history,
)
from kam_analytics.synthetic import simulate_b2b_accounts


def test_purchase_summary_from_month_positions() -> None:
    days = [[0, 2, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]]
    history = account_history(np.zeros((3, 6)), days)
    frequency, recency, age = purchase_summary(history)
    # d purchase days in a month put the first at 1/(d+1) and the last at d/(d+1) into it;
    # the as-of point is the end of the last month.
    assert frequency.tolist() == [2, 0]
    assert recency == pytest.approx([3.5 - (1 + 1 / 3), 0.0])
    assert age == pytest.approx([6 - (1 + 1 / 3), 1.5])


def test_day_precise_positions_override_the_estimate() -> None:
    history = account_history(
        np.zeros((1, 6)), [[0, 2, 0, 1, 0, 0]], first_purchase=[1.1], last_purchase=[3.9], as_of=5.5
    )
    frequency, recency, age = purchase_summary(history)
    assert (frequency[0], recency[0], age[0]) == (2, pytest.approx(2.8), pytest.approx(4.4))


def test_malformed_histories_are_refused() -> None:
    with pytest.raises(AnalyticsInputError, match="shape"):
        account_history(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(AnalyticsInputError, match="whole numbers"):
        account_history(np.zeros((1, 3)), [[0, 1.5, 0]])


def test_split_keeps_calibration_months_and_sums_the_holdout() -> None:
    revenue = np.arange(30, dtype=float).reshape(1, 30)
    history = account_history(revenue, np.ones((1, 30)))
    calibration, actual = split_history(history, 12)
    assert calibration.n_months == 18
    assert actual.tolist() == [sum(range(18, 30))]
    assert naive_forecast(calibration).tolist() == [sum(range(6, 18))]


def test_accuracy_by_hand() -> None:
    accuracy = forecast_accuracy([10, 20, 30, 40], [10, 30, 20, 40], top_share=0.25)
    assert accuracy.top_decile_precision == 1.0
    assert accuracy.total_absolute_error == pytest.approx(20 / 100)
    assert accuracy.total_bias == pytest.approx(0.0)
    assert accuracy.spearman == pytest.approx(0.8)


def _portfolio_backtest(seed: int):
    portfolio = simulate_b2b_accounts(2000, 48, seed=seed)
    history = account_history(
        portfolio.monthly_revenue, portfolio.monthly_purchase_days, portfolio.monthly_margin
    )
    calibration, actual = split_history(history)
    return backtest(lambda h: forecast_revenue(h).expected_revenue, calibration, actual)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_beats_naive_out_of_sample_on_a_synthetic_b2b_portfolio(seed: int) -> None:
    report = _portfolio_backtest(seed)
    assert report.model.spearman > report.naive.spearman
    assert report.model.total_absolute_error < report.naive.total_absolute_error


def test_forecast_ranks_and_margins() -> None:
    portfolio = simulate_b2b_accounts(300, 36, seed=5)
    history = account_history(
        portfolio.monthly_revenue, portfolio.monthly_purchase_days, portfolio.monthly_margin
    )
    forecast = forecast_revenue(history)
    top = np.argmin(forecast.rank)
    assert forecast.expected_revenue[top] == forecast.expected_revenue.max()
    assert sorted(forecast.rank.tolist()) == list(range(1, 301))
    assert np.all((forecast.probability_alive >= 0) & (forecast.probability_alive <= 1))
    rates = portfolio.monthly_margin.sum(axis=1) / np.maximum(
        portfolio.monthly_revenue.sum(axis=1), 1e-9
    )
    bought = portfolio.monthly_revenue.sum(axis=1) > 0
    assert forecast.expected_margin[bought] == pytest.approx(
        forecast.expected_revenue[bought] * rates[bought]
    )


def test_silent_last_year_forecasts_zero_and_never_bought_is_zero() -> None:
    portfolio = simulate_b2b_accounts(400, 36, seed=9)
    revenue, days = portfolio.monthly_revenue.copy(), portfolio.monthly_purchase_days.copy()
    revenue[0, -12:] = 0
    days[0, -12:] = 0
    revenue[1], days[1] = 0, 0
    forecast = forecast_revenue(account_history(revenue, days))
    assert forecast.expected_revenue[0] == 0 and forecast.expected_revenue[1] == 0
    assert np.all(np.isnan(forecast.expected_margin))


def test_the_band_surrounds_the_forecast_and_widens_with_volatility() -> None:
    steady = [100.0] * 24
    volatile = [0.0, 200.0] * 12
    history = account_history([steady, volatile], [[1] * 24, [0, 1] * 12])

    low, high = forecast_band(history, [1200.0, 1200.0])

    assert low[0] < 1200.0 < high[0]
    assert high[1] - low[1] > high[0] - low[0]
    assert high[0] - 1200.0 == pytest.approx(1200.0 - low[0])


def test_the_band_never_goes_below_zero() -> None:
    history = account_history([[0.0, 1000.0, 0.0, 0.0] * 6], [[0, 1, 0, 0] * 6])

    low, _high = forecast_band(history, [100.0])

    assert low[0] == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_calibrated_band_holds_its_coverage_out_of_sample(seed: int) -> None:
    portfolio = simulate_b2b_accounts(600, 48, seed=seed)
    history = account_history(portfolio.monthly_revenue, portfolio.monthly_purchase_days)
    calibration, actual = split_history(history, 12)
    expected = forecast_revenue(calibration).expected_revenue

    low, high = calibrated_band(calibration, expected, coverage=0.8)

    inside = np.mean((actual >= low) & (actual <= high))
    assert 0.77 <= inside <= 0.9  # forecast_band held 0.70-0.76 on these portfolios
    assert np.all(low <= expected) and np.all(expected <= high) and np.all(low >= 0)


def test_a_history_too_short_for_the_backtest_gets_the_plain_band() -> None:
    history = account_history([[100.0, 120.0, 90.0] * 6], [[1, 1, 1] * 6])  # 18 months

    assert np.array_equal(
        np.array(calibrated_band(history, [1300.0])), np.array(forecast_band(history, [1300.0]))
    )


def test_the_band_holds_about_its_coverage_out_of_sample() -> None:
    portfolio = simulate_b2b_accounts(600, 36, seed=3)
    history = account_history(portfolio.monthly_revenue, portfolio.monthly_purchase_days)
    calibration, actual = split_history(history, 12)
    expected = forecast_revenue(calibration).expected_revenue

    low, high = forecast_band(calibration, expected, coverage=0.8)

    inside = np.mean((actual >= low) & (actual <= high))
    assert 0.65 <= inside <= 0.9
