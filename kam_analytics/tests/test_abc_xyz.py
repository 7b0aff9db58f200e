"""ABC / XYZ classification and the matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_analytics.abc_xyz import (
    abc_classes,
    abc_xyz_matrix,
    coefficient_of_variation,
    xyz_classes,
)
from kam_analytics.errors import AnalyticsInputError


def test_account_that_crosses_the_a_limit_is_still_a() -> None:
    # Cumulative shares before each account: 0, .50, .75, .90, .95, .98
    values = [50, 25, 15, 5, 3, 2]
    assert abc_classes(values).tolist() == ["A", "A", "A", "B", "C", "C"]


def test_limits_are_configurable() -> None:
    assert abc_classes([50, 25, 15, 10], a_limit=0.5, b_limit=0.8).tolist() == ["A", "B", "B", "C"]


def test_input_order_does_not_matter() -> None:
    assert abc_classes([2, 50, 5, 25, 3, 15]).tolist() == ["C", "A", "B", "A", "C", "A"]


def test_ties_share_the_class_of_the_first_of_them() -> None:
    assert abc_classes([40, 20, 20, 20]).tolist() == ["A", "A", "A", "A"]
    assert abc_classes([90, 6, 2, 2]).tolist() == ["A", "B", "C", "C"]


def test_zero_and_negative_values_are_c_and_do_not_count() -> None:
    assert abc_classes([100, 0, -30]).tolist() == ["A", "C", "C"]
    assert abc_classes([0, 0]).tolist() == ["C", "C"]


@given(st.lists(st.floats(min_value=-1e6, max_value=1e9), min_size=1, max_size=60))
def test_larger_value_never_gets_a_worse_class(values: list[float]) -> None:
    classes = abc_classes(values)
    order = np.argsort(values)
    ranked = classes[order]
    assert list(ranked) == sorted(ranked, reverse=True)  # "C" > "B" > "A" as strings


def test_xyz_by_coefficient_of_variation() -> None:
    monthly = [
        [10, 10, 10, 10],  # CV 0 → X
        [10, 0, 10, 0],  # CV 1 → Y (limit inclusive)
        [40, 0, 0, 0],  # CV √3 → Z
        [0, 0, 0, 0],  # no demand → Z
    ]
    assert coefficient_of_variation(monthly)[:3] == pytest.approx([0, 1, 3**0.5])
    assert xyz_classes(monthly).tolist() == ["X", "Y", "Z", "Z"]
    assert xyz_classes(monthly, x_limit=1.0, y_limit=2.0).tolist() == ["X", "X", "Y", "Z"]


def test_xyz_refuses_a_single_month() -> None:
    with pytest.raises(AnalyticsInputError, match="two months"):
        xyz_classes([[1.0], [2.0]])


def test_matrix_counts_every_account_once() -> None:
    matrix = abc_xyz_matrix(["A", "A", "B", "C", "C"], ["X", "Z", "X", "Y", "Y"])
    assert matrix.count("A", "X") == 1 and matrix.count("C", "Y") == 2
    assert sum(matrix.as_dict().values()) == 5


def test_matrix_refuses_unknown_classes() -> None:
    with pytest.raises(AnalyticsInputError, match="unknown"):
        abc_xyz_matrix(["A", "D"], ["X", "X"])


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        abc_classes([1.0, float("nan")])
