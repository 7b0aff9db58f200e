"""The arithmetic of the contribution-margin statement, the roll-up and the whale curve."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_analytics.errors import AnalyticsInputError
from kam_analytics.profitability import (
    cadence_served,
    care_entitlement_cents,
    contribution_margins,
    is_over_served,
    is_under_served,
    mean_by_class,
    roll_up,
    time_cost_cents,
    time_costs_cents,
    whale_curve,
)

cents = st.integers(min_value=-(10**11), max_value=10**11)
costs = st.integers(min_value=0, max_value=10**10)


def test_statement_steps_subtract_each_kind_of_cost():
    statement = contribution_margins(
        margin=[100_000], condition_cost=[10_000], care_cost=[20_000], service_cost=[5_000]
    )
    assert (statement.db1, statement.db2, statement.db3, statement.db4) == (
        [100_000],
        [90_000],
        [70_000],
        [65_000],
    )


@settings(deadline=None)
@given(st.lists(st.tuples(cents, costs, costs, costs), min_size=1, max_size=30))
def test_margins_fall_step_by_step_when_costs_are_not_negative(rows):
    margin, condition, care, service = (list(column) for column in zip(*rows, strict=True))
    s = contribution_margins(
        margin=margin, condition_cost=condition, care_cost=care, service_cost=service
    )
    assert (s.db1 >= s.db2).all() and (s.db2 >= s.db3).all() and (s.db3 >= s.db4).all()
    assert (s.db1 - s.db4 == np.array(condition) + np.array(care) + np.array(service)).all()


def test_floats_are_refused_as_money():
    with pytest.raises(AnalyticsInputError):
        contribution_margins(margin=[1.5], condition_cost=[0], care_cost=[0], service_cost=[0])


def test_time_cost_is_minutes_times_hourly_rate_rounded_half_up():
    # 75 minutes at 68.00 €/h = 85.00 €; 1 minute at 0.30 €/h = 0.005 € -> 0.01 €
    assert time_cost_cents(75, 6_800) == 8_500
    assert time_cost_cents(1, 30) == 1
    assert time_cost_cents(1, 29) == 0
    assert time_cost_cents(90, 7_000, count=3) == 31_500


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 24 * 60), st.integers(0, 50_000), st.integers(0, 1_000)),
        min_size=1,
        max_size=20,
    )
)
def test_array_time_cost_equals_the_single_one(rows):
    minutes, rates, counts = (list(column) for column in zip(*rows, strict=True))
    expected = [time_cost_cents(m, r, c) for m, r, c in rows]
    assert time_costs_cents(minutes, rates, counts).tolist() == expected


def test_negative_efforts_are_refused():
    with pytest.raises(AnalyticsInputError):
        time_cost_cents(-5, 100)


def test_roll_up_over_three_levels():
    # group 1 > subsidiary 2 > plant 3; a second subsidiary 4; 5 stands alone
    parent_of = {1: None, 2: 1, 3: 2, 4: 1, 5: None}
    totals = roll_up(parent_of, {1: 10, 2: 20, 3: 300, 4: -4, 5: 7})
    assert totals == {1: 326, 2: 320, 3: 300, 4: -4, 5: 7}


@st.composite
def forests(draw):
    size = draw(st.integers(1, 25))
    parent_of = {0: None}
    for node in range(1, size):
        parent_of[node] = draw(st.one_of(st.none(), st.integers(0, node - 1)))
    values = {node: draw(cents) for node in parent_of}
    return parent_of, values


@settings(deadline=None)
@given(forests())
def test_group_total_equals_the_sum_of_its_members(forest):
    parent_of, values = forest
    totals = roll_up(parent_of, values)
    for node in parent_of:
        children = [child for child, parent in parent_of.items() if parent == node]
        assert totals[node] == values[node] + sum(totals[child] for child in children)
    tops = [node for node, parent in parent_of.items() if parent is None]
    assert sum(totals[top] for top in tops) == sum(values.values())


def test_roll_up_refuses_a_cycle():
    with pytest.raises(AnalyticsInputError):
        roll_up({1: 2, 2: 1}, {1: 5})


def test_whale_curve_of_known_accounts():
    # ranked: 500, 300, 100, -50, -250 -> cumulative 500, 800, 900, 850, 600
    curve = whale_curve([100, -250, 500, -50, 300])
    assert curve.order.tolist() == [2, 4, 0, 3, 1]
    assert curve.cumulative.tolist() == [500, 800, 900, 850, 600]
    assert (curve.peak_accounts, curve.peak, curve.total, curve.destroyers) == (3, 900, 600, 2)
    assert curve.peak_account_share == pytest.approx(0.6)
    assert curve.peak_profit_share == pytest.approx(1.5)


def test_whale_curve_of_no_accounts_and_of_a_loss():
    assert whale_curve([]).peak_accounts == 0
    assert whale_curve([-10, -20]).peak_profit_share is None


@settings(deadline=None)
@given(st.lists(cents, min_size=1, max_size=50))
def test_whale_curve_peaks_before_the_first_destroyer(profits):
    curve = whale_curve(profits)
    ranked = np.array(profits)[curve.order]
    assert curve.cumulative[-1] == sum(profits)
    assert curve.peak == max(curve.cumulative.tolist())
    assert (ranked[: curve.peak_index] >= 0).all()


def test_over_and_under_served_against_the_entitlement():
    entitled = care_entitlement_cents(1_000_000, Fraction(10))  # 10 % of 10,000.00 €
    assert entitled == 100_000
    assert is_over_served(care_cost_cents=100_001, entitlement_cents=entitled)
    assert not is_over_served(care_cost_cents=100_000, entitlement_cents=entitled)
    assert is_under_served(care_cost_cents=24_999, entitlement_cents=entitled)
    assert not is_under_served(care_cost_cents=25_000, entitlement_cents=entitled)


def test_an_account_without_db1_is_entitled_to_no_care():
    assert care_entitlement_cents(-5_000, 10) == 0
    assert is_over_served(care_cost_cents=1, entitlement_cents=0)
    assert not is_under_served(care_cost_cents=0, entitlement_cents=0)


def test_over_and_under_served_by_the_contact_cadence():
    # Six accounts ranked by DB IV: the best two are "high", the last two (and any loss) "low".
    db4 = [900_00, 800_00, 500_00, 400_00, 100_00, -50_00]
    contacts = [2, 20, 30, 1, 30, 12]
    target = [12.0, 12.0, 12.0, float("nan"), 12.0, 12.0]
    served = cadence_served(db4, contacts, target)
    # over: low DB IV with contacts above the target (the 5th; the 6th only meets it, the 3rd
    # is not low)
    assert served.over.tolist() == [False, False, False, False, True, False]
    # under: high DB IV with contacts below the target (only the 1st; the 4th has no rule)
    assert served.under.tolist() == [True, False, False, False, False, False]


def test_a_loss_making_account_above_its_cadence_is_over_served_however_few_accounts():
    served = cadence_served([-100], [5], [4.0])
    assert served.over.tolist() == [True] and served.under.tolist() == [False]


def test_the_tolerance_widens_the_band_around_the_cadence():
    served = cadence_served([100, 50, -10], [11, 13, 13], [12.0, 12.0, 12.0], tolerance=0.2)
    assert served.over.tolist() == [False, False, False]
    assert served.under.tolist() == [False, False, False]


def test_mean_by_class_leaves_out_unknown_values_and_empty_classes():
    means = mean_by_class([0.10, 0.30, np.nan, 0.05, np.nan], ["A", "A", "A", "B", "C"])

    assert means == {"A": pytest.approx(0.20), "B": pytest.approx(0.05)}


def test_mean_by_class_needs_one_class_per_value():
    with pytest.raises(AnalyticsInputError):
        mean_by_class([0.1, 0.2], ["A"])
