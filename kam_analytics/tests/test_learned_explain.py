"""The reasons of the learned forecast, worded for all accounts at once, against the rules
worded one account at a time (the way they were written first: `_reason` below)."""

import json

import numpy as np
import pytest

from kam_analytics.learned.choice import choose_forecast
from kam_analytics.learned.explain import (
    DEFAULT_ORDER,
    MAX_REASONS,
    NEW_ACCOUNT,
    SEASON_CHANGE,
    STEADY,
    _months_less_often,
    forecast_reasons,
    word_reasons,
)
from kam_analytics.learned.features import FEATURE_NAMES, account_features
from kam_analytics.synthetic import simulate_b2b_accounts

pytest.importorskip("lightgbm")
INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _reason(name, value, push, row):
    if name == "months_since_last_purchase" and value >= 3 and push <= 0:
        return "no_purchase_since", {"months": int(value)}
    if name in ("purchase_days_trend", "active_months_3", "purchase_days_3m"):
        if push < 0 and row["less_often"] >= 2:
            return "buys_less_often", {"months": int(row["less_often"])}
        if push > 0 and row["days_trend"] > 0:
            return "buys_more_often", {}
    if name in ("growth_12m", "revenue_prev_12m") and row["has_year"]:
        growth = row["growth"]
        if growth > 0.05 and push >= 0:
            return "growing_year", {"percent": round(growth * 100)}
        if growth < -0.05 and push <= 0:
            return "shrinking_year", {"percent": round(-growth * 100)}
    if name in ("trend_6m", "revenue_3m", "revenue_1m", "revenue_6m"):
        if row["trend"] > 0.1 and push >= 0:
            return "recent_up", {}
        if row["trend"] < -0.1 and push <= 0:
            return "recent_down", {}
    if name == "largest_month_share_24m" and value >= 0.5:
        return "lumpy", {}
    if name == "revenue_same_season_last_year" and row["has_year"] and push != 0:
        return ("season_strong", {}) if push > 0 else ("season_weak", {})
    if name in ("active_months_12", "purchase_days_12m") and push > 0 and row["active12"] >= 10:
        return "regular", {"months": int(row["active12"])}
    return None


def _rule_sign(name, row):
    if name == "growth_12m":
        return float(np.sign(row["growth"]))
    if name == "trend_6m":
        return float(np.sign(row["trend"]))
    if name == "purchase_days_trend":
        return float(np.sign(row["days_trend"]))
    if name == "revenue_same_season_last_year":
        return float(np.sign(row["season"])) if abs(row["season"]) > SEASON_CHANGE else 0.0
    return -1.0 if name == "months_since_last_purchase" else 0.0


def reasons_one_by_one(revenue, days, *, horizon, new_account, model=None):
    """Every account's reasons, one account at a time."""
    features = account_features(revenue, days, revenue.shape[1], horizon)
    contributions = np.zeros_like(features)
    if model is not None:
        contributions = model.contributions(revenue, days, revenue.shape[1])
    less_often = _months_less_often(days)
    result = []
    for i, values in enumerate(features):
        last12, prev12 = values[INDEX["revenue_12m"]], values[INDEX["revenue_prev_12m"]]
        season = values[INDEX["revenue_same_season_last_year"]] / max(last12 * horizon / 12, 1e-9)
        row = {
            "less_often": less_often[i],
            "days_trend": values[INDEX["purchase_days_trend"]],
            "growth": last12 / prev12 - 1 if prev12 > 0 else 0.0,
            "has_year": bool(values[INDEX["months_since_first_purchase"]] >= 13 and prev12 > 0),
            "trend": values[INDEX["trend_6m"]],
            "active12": values[INDEX["active_months_12"]],
            "season": season - 1 if last12 > 0 else 0.0,
        }
        reasons = [{"code": NEW_ACCOUNT}] if new_account[i] else []
        push = contributions[i]
        if model is not None:
            order = [FEATURE_NAMES[j] for j in np.argsort(-np.abs(push), kind="stable")]
        else:
            order = list(DEFAULT_ORDER)
        for name in order:
            if len(reasons) >= MAX_REASONS:
                break
            sign = push[INDEX[name]] if model is not None else _rule_sign(name, row)
            found = _reason(name, float(values[INDEX[name]]), float(sign), row)
            if found and all(r["code"] != found[0] for r in reasons):
                reasons.append({"code": found[0], **found[1]})
        result.append(reasons or [{"code": STEADY}])
    return result


@pytest.fixture(scope="module")
def accounts():
    simulated = simulate_b2b_accounts(800, 36, seed=5)
    revenue, days = simulated.monthly_revenue.copy(), simulated.monthly_purchase_days.copy()
    revenue[:40, -5:] = 0.0  # some stopped buying
    days[:40, -5:] = 0.0
    revenue[40:80], days[40:80] = 1000.0, 2.0  # some buy the same every month
    new = np.zeros(len(revenue), dtype=bool)
    new[::50] = True
    return revenue, days, new


@pytest.mark.parametrize("horizon", [12, 3])
def test_all_accounts_at_once_get_the_reasons_of_the_rules_worded_one_account_at_a_time(
    accounts, horizon
):
    revenue, days, new = accounts
    expected = reasons_one_by_one(revenue, days, horizon=horizon, new_account=new)
    assert forecast_reasons(revenue, days, horizon=horizon, new_account=new) == expected
    assert {r["code"] for reasons in expected for r in reasons} >= {
        NEW_ACCOUNT,
        STEADY,
        "no_purchase_since",
        "growing_year",
        "shrinking_year",
    }


def test_the_models_order_gives_the_reasons_it_gives_one_account_at_a_time(accounts):
    revenue, days, new = accounts
    model = choose_forecast(revenue, days, horizon=12).model
    assert model is not None
    expected = reasons_one_by_one(revenue, days, horizon=12, new_account=new, model=model)
    assert forecast_reasons(revenue, days, horizon=12, new_account=new, model=model) == expected


def test_each_distinct_list_of_reasons_is_worded_once_and_every_account_gets_its_own_copy(
    accounts,
):
    revenue, days, new = accounts
    worded = word_reasons(revenue, days, horizon=12, new_account=new)
    texts = [json.dumps(reasons) for reasons in worded.lists]
    assert len(set(texts)) == len(texts) < len(revenue) - 30  # the steady ones share theirs
    per_account = worded.per_account()
    assert [json.dumps(r) for r in per_account] == [texts[i] for i in worded.of_account]
    per_account[0][0]["code"] = "changed"
    assert worded.lists[worded.of_account[0]][0]["code"] != "changed"


def test_no_accounts_no_reasons():
    revenue, days = np.zeros((3, 24)), np.zeros((3, 24))
    worded = word_reasons(revenue, days, horizon=12, new_account=np.zeros(3, bool), rows=[])
    assert worded.lists == [] and len(worded.of_account) == 0
