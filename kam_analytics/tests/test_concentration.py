"""Concentration figures, dependency alerts and loss scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_analytics.concentration import (
    concentration_summary,
    dependency_alerts,
    gini_coefficient,
    herfindahl_index,
    lorenz_curve,
    loss_scenario,
    shares,
    top_share,
)
from kam_analytics.errors import AnalyticsInputError


def test_equal_accounts_have_hhi_one_over_n_and_gini_zero() -> None:
    assert herfindahl_index([5, 5, 5, 5]) == pytest.approx(0.25)
    assert gini_coefficient([5, 5, 5, 5]) == pytest.approx(0.0)


def test_one_account_with_everything() -> None:
    assert herfindahl_index([0, 0, 0, 10]) == pytest.approx(1.0)
    assert gini_coefficient([0, 0, 0, 10]) == pytest.approx(0.75)
    assert top_share([0, 0, 0, 10], 1) == pytest.approx(1.0)


def test_summary_by_hand() -> None:
    summary = concentration_summary([50, 30, 20])
    assert summary.top1_share == pytest.approx(0.5)
    assert summary.top5_share == pytest.approx(1.0)
    assert summary.herfindahl_index == pytest.approx(0.25 + 0.09 + 0.04)
    # Gini = Σ(2i − n − 1)·x_(i) / (n·Σx) = (−2·20 + 0·30 + 2·50) / (3·100)
    assert summary.gini == pytest.approx(0.2)


def test_negative_values_hold_no_share() -> None:
    assert shares([80, 20, -50]).tolist() == pytest.approx([0.8, 0.2, 0.0])


def test_lorenz_curve_runs_from_origin_to_one() -> None:
    accounts, value = lorenz_curve([1, 3, 6])
    assert accounts.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert value.tolist() == pytest.approx([0, 0.1, 0.4, 1.0])


def test_alerts_for_accounts_groups_and_top5() -> None:
    revenue = [30, 8, 7, 6, 5, 4, 40]
    margin = [1, 5, 1, 1, 1, 1, 1]
    alerts = dependency_alerts(
        ["a", "b", "c", "d", "e", "f", "g"],
        revenue,
        margin,
        group_ids=["", "G", "G", "", "", "", ""],
    )
    found = {(alert.kind, alert.subject, alert.measure) for alert in alerts}
    assert ("account", "g", "revenue") in found and ("account", "a", "revenue") in found
    assert ("group", "G", "revenue") in found  # 15 % together, 7–8 % each
    assert ("account", "b", "margin") in found  # 5 / 11 of the margin
    assert ("top5", "top5", "revenue") in found
    assert ("account", "b", "revenue") not in found


def test_no_alerts_for_a_spread_portfolio() -> None:
    assert dependency_alerts([str(i) for i in range(20)], np.ones(20), np.ones(20)) == []


def test_losing_an_account_by_hand() -> None:
    scenario = loss_scenario([60, 30, 10], [6, 9, 1], [True, False, False])
    assert scenario.lost_revenue == 60 and scenario.revenue_after == 40
    assert scenario.lost_margin == 6 and scenario.margin_after == 10
    assert scenario.lost_revenue_share == pytest.approx(0.6)
    assert scenario.revenue_shares_after.tolist() == pytest.approx([0, 0.75, 0.25])
    assert scenario.herfindahl_after == pytest.approx(0.75**2 + 0.25**2)


def test_losing_a_loss_making_account_raises_margin() -> None:
    scenario = loss_scenario([60, 30], [10, -4], [False, True])
    assert scenario.margin_after > scenario.margin_before


def test_rounding_never_makes_the_margin_left_exceed_the_whole() -> None:
    # The example hypothesis found: dropping the lost accounts changed the summation order.
    margin = [0.0] * 9 + [1.9, 0, 0, 0, 16777215.0, 0, 0, 0, 16777215.418027502]
    lost = [False] * 5 + [True] * 4 + [False] + [True] * 3 + [False] + [True] * 3 + [False]
    scenario = loss_scenario([0.0] * 17 + [1.0], margin, lost)
    assert scenario.margin_after <= scenario.margin_before


def test_losing_everything_is_refused() -> None:
    with pytest.raises(AnalyticsInputError, match="every account"):
        loss_scenario([1, 2], [1, 1], [True, True])


amounts = st.lists(st.floats(min_value=0, max_value=1e9), min_size=2, max_size=30)


@given(amounts, st.data())
def test_a_loss_scenario_never_gains(revenue: list[float], data: st.DataObject) -> None:
    n = len(revenue)
    margin = data.draw(st.lists(st.floats(min_value=0, max_value=1e8), min_size=n, max_size=n))
    lost = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if not any(value > 0 and not gone for value, gone in zip(revenue, lost, strict=True)):
        return
    scenario = loss_scenario(revenue, margin, lost)
    assert scenario.revenue_after <= scenario.revenue_before
    assert scenario.margin_after <= scenario.margin_before
    assert scenario.lost_revenue >= 0 and scenario.lost_margin >= 0


@given(amounts)
def test_concentration_figures_stay_in_range(revenue: list[float]) -> None:
    if sum(revenue) <= 0:
        return
    n = len(revenue)
    assert 1 / n - 1e-9 <= herfindahl_index(revenue) <= 1 + 1e-9
    assert -1e-9 <= gini_coefficient(revenue) <= (n - 1) / n + 1e-9
    assert top_share(revenue, 1) <= top_share(revenue, 5) <= 1 + 1e-9
