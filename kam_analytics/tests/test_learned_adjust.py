"""New accounts, risers, the 80 % band and the reasons of the learned forecast."""

import numpy as np
import pytest

from kam_analytics.learned.adjust import (
    apply_band,
    fit_band,
    new_accounts,
    risers,
    shrink_new_accounts,
)
from kam_analytics.learned.choice import choose_forecast
from kam_analytics.learned.explain import NEW_ACCOUNT, forecast_reasons
from kam_analytics.learned.features import has_history
from kam_analytics.synthetic import simulate_b2b_accounts

pytest.importorskip("lightgbm")


def portfolio(n=600, months=36, seed=2):
    simulated = simulate_b2b_accounts(n, months, seed=seed)
    return simulated.monthly_revenue.copy(), simulated.monthly_purchase_days.copy()


def with_one_invoice_newcomer(revenue, days):
    """Row 0 becomes a new customer with one invoice of 999,99 EUR last month."""
    revenue[0, :], days[0, :] = 0.0, 0.0
    revenue[0, -1], days[0, -1] = 999.99, 1.0
    return revenue, days


def test_a_new_account_with_one_invoice_is_shrunk_toward_comparable_accounts_and_flagged():
    revenue, days = with_one_invoice_newcomer(*portfolio())
    wild = revenue[:, -12:].sum(axis=1)
    wild[0] = 15_585.0  # what the trend extrapolation once said of the newcomer
    shrunk = shrink_new_accounts(wild, revenue)
    assert new_accounts(revenue)[0]
    assert shrunk[0] < 0.25 * 15_585.0
    established = ~new_accounts(revenue)
    assert np.array_equal(shrunk[established], wild[established])


def test_the_chosen_forecast_flags_new_accounts_and_keeps_their_forecast_modest():
    revenue, days = with_one_invoice_newcomer(*portfolio())
    choice = choose_forecast(revenue, days, horizon=12)
    assert choice.new_account is not None and choice.new_account[0]
    assert choice.forecast[0] < 0.5 * 15_585.0
    reasons = forecast_reasons(
        revenue, days, horizon=12, new_account=choice.new_account, model=choice.model, rows=[0]
    )
    assert reasons[0][0] == {"code": NEW_ACCOUNT}
    assert all(r["code"] not in ("growing_year", "shrinking_year") for r in reasons[0])


def test_every_top_account_gets_a_reason():
    revenue, days = portfolio()
    choice = choose_forecast(revenue, days, horizon=12)
    top = np.argsort(-choice.forecast)[:60]
    reasons = forecast_reasons(
        revenue, days, horizon=12, new_account=choice.new_account, model=choice.model, rows=top
    )
    assert len(reasons) == 60 and all(len(r) >= 1 and "code" in r[0] for r in reasons)


def test_risers_are_forecast_into_the_top_group_from_outside_it():
    last_12m = np.array([100.0, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    forecast = np.array([50.0, 90, 80, 70, 60, 50, 40, 30, 20, 200])
    assert risers(forecast, last_12m).tolist() == [False] * 9 + [True]


def test_the_band_contains_the_forecast_and_never_goes_below_zero():
    rng = np.random.default_rng(0)
    forecast = rng.lognormal(8, 1.5, 500)
    actual = forecast * rng.lognormal(0, 0.5, 500)
    low, high = apply_band(fit_band(forecast, actual), forecast)
    assert np.all(low >= 0) and np.all(low <= forecast) and np.all(forecast <= high)


# Seed 9 held 85.3 % before the nominal coverage was calibrated on the backtest's cross-fit.
@pytest.mark.parametrize("seed", [4, 9, 2])
def test_the_80_percent_band_holds_75_to_85_percent_of_what_happened(seed):
    simulated = simulate_b2b_accounts(1500, 48, seed=seed)
    revenue, days = simulated.monthly_revenue, simulated.monthly_purchase_days
    cut = 36
    known = has_history(revenue, cut)
    choice = choose_forecast(revenue[known, :cut], days[known, :cut], horizon=12)
    actual = revenue[known, cut:].sum(axis=1)
    inside = (actual >= choice.low) & (actual <= choice.high)
    assert 0.75 <= inside.mean() <= 0.85
    assert choice.chosen is not None and 0.7 <= choice.chosen.band_coverage <= 0.9


def test_the_model_orders_the_reasons_only_of_the_accounts_it_is_asked_to_explain(monkeypatch):
    revenue, days = portfolio()
    choice = choose_forecast(revenue, days, horizon=12)
    everything = forecast_reasons(
        revenue, days, horizon=12, new_account=choice.new_account, model=choice.model
    )
    explained = np.zeros(len(revenue), dtype=bool)
    explained[np.argsort(-choice.forecast)[:20]] = True
    asked = []
    contributions = type(choice.model).contributions
    monkeypatch.setattr(
        type(choice.model),
        "contributions",
        lambda self, r, d, o, f=None: asked.append(len(r)) or contributions(self, r, d, o, f),
    )
    some = forecast_reasons(
        revenue,
        days,
        horizon=12,
        new_account=choice.new_account,
        model=choice.model,
        explained=explained,
    )
    assert asked == [20]
    assert [some[i] for i in np.flatnonzero(explained)] == [
        everything[i] for i in np.flatnonzero(explained)
    ]
    without_model = forecast_reasons(revenue, days, horizon=12, new_account=choice.new_account)
    assert [some[i] for i in np.flatnonzero(~explained)] == [
        without_model[i] for i in np.flatnonzero(~explained)
    ]


def test_without_the_model_a_season_is_named_only_when_last_years_months_stood_out():
    months = np.arange(24)
    steady = np.full(24, 1000.0)
    strong_spring = steady * np.where(months % 12 < 3, 1.6, 1.0)  # Jan–Mar 60 % above
    revenue = np.vstack([steady, strong_spring])
    days = np.where(revenue > 0, 2.0, 0.0)
    new = np.zeros(2, dtype=bool)

    year = forecast_reasons(revenue, days, horizon=12, new_account=new)
    quarter = forecast_reasons(revenue, days, horizon=3, new_account=new)

    codes = [[r["code"] for r in reasons] for reasons in (*year, *quarter)]
    assert all("season_weak" not in c for c in codes)
    assert "season_strong" not in codes[0] + codes[1] + codes[2]
    assert "season_strong" in codes[3]


def test_shrinking_with_the_comparables_worked_out_once_is_shrinking_each_forecast():
    from kam_analytics.learned.adjust import comparables, shrink_toward

    revenue, _days = with_one_invoice_newcomer(*portfolio())
    compared = comparables(revenue)
    for forecast in (revenue[:, -12:].sum(axis=1), revenue[:, -3:].sum(axis=1) * 4 + 1):
        shrunk = shrink_toward(forecast, compared)
        assert np.array_equal(shrunk, shrink_new_accounts(forecast, revenue))
    assert shrunk[0] != forecast[0]
    assert comparables(np.ones((20, 24))) is None  # no new account: nothing to shrink


def test_the_reasons_reuse_the_features_only_of_a_model_of_their_horizon(monkeypatch):
    revenue, days = portfolio(n=300)
    quarter = choose_forecast(revenue, days, horizon=3)
    asked = []
    contributions = type(quarter.model).contributions
    monkeypatch.setattr(
        type(quarter.model),
        "contributions",
        lambda self, r, d, o, f=None: asked.append(f) or contributions(self, r, d, o, f),
    )
    new = quarter.new_account

    reasons = forecast_reasons(revenue, days, horizon=3, new_account=new, model=quarter.model)
    # a model of another horizon than the reasons' computes its own features
    forecast_reasons(revenue, days, horizon=12, new_account=new, model=quarter.model)

    assert asked[0] is not None and asked[1] is None
    asked.clear()
    monkeypatch.setattr(
        type(quarter.model),
        "contributions",
        lambda self, r, d, o, f=None: contributions(self, r, d, o),  # features of its own
    )
    assert forecast_reasons(revenue, days, horizon=3, new_account=new, model=quarter.model) == (
        reasons
    )
