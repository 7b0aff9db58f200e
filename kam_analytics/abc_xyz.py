"""ABC classes by share of value, XYZ classes by regularity of monthly revenue, and their matrix.

ABC: accounts sorted by value (revenue or margin, any money unit); an account is A while the
value accumulated *before* it is below the A limit (so the account that crosses 80 % is still A
and the biggest account is always A), B likewise up to the B limit, C after that. Accounts with
equal values always share a class (the class of the first of them). Accounts with zero or
negative value are C and do not count towards the total.

XYZ: coefficient of variation (population standard deviation / mean) of each account's monthly
revenue. X ≤ x_limit < Y ≤ y_limit < Z. Accounts whose mean monthly revenue is not positive
are Z: they have no regular demand to plan on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics._arrays import FloatArray, as_float_matrix, as_float_vector, require_same_length
from kam_analytics.errors import AnalyticsInputError

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


def abc_classes(
    values: ArrayLike, *, a_limit: float = 0.80, b_limit: float = 0.95
) -> NDArray[np.str_]:
    """Return "A", "B" or "C" per account; see the module docstring for the rule."""
    if not 0 < a_limit <= b_limit <= 1:
        raise AnalyticsInputError("ABC limits must satisfy 0 < a_limit ≤ b_limit ≤ 1")
    value = as_float_vector(values, "values")
    share_before = cumulative_share_before(value)
    classes = np.full(len(value), "C", dtype="<U1")
    positive = value > 0
    classes[positive & (share_before < b_limit)] = "B"
    classes[positive & (share_before < a_limit)] = "A"
    return classes


def cumulative_share_before(values: ArrayLike) -> FloatArray:
    """Share of the positive total held by accounts ranked strictly above each account.

    Ties are ranked together: every account of a tie gets the share before the first of them.
    """
    value = np.clip(as_float_vector(values, "values"), 0, None)
    total = value.sum()
    if total <= 0:
        return np.ones(len(value))
    order = np.argsort(-value, kind="stable")
    ranked = value[order]
    before = np.concatenate(([0.0], np.cumsum(ranked)[:-1])) / total
    # For a tie, take the share before its first member: the minimum over equal values.
    first_of_tie = np.searchsorted(-ranked, -ranked, side="left")
    share = np.empty(len(value))
    share[order] = before[first_of_tie]
    return share


def coefficient_of_variation(monthly_revenue: ArrayLike) -> FloatArray:
    """Population standard deviation / mean of each row (account × months); inf if mean ≤ 0."""
    matrix = as_float_matrix(monthly_revenue, "monthly_revenue")
    if matrix.shape[1] < 2:
        raise AnalyticsInputError("XYZ needs at least two months of revenue per account")
    mean = matrix.mean(axis=1)
    spread = matrix.std(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, spread / np.where(mean > 0, mean, 1.0), np.inf)


def xyz_classes(
    monthly_revenue: ArrayLike, *, x_limit: float = 0.5, y_limit: float = 1.0
) -> NDArray[np.str_]:
    """Return "X", "Y" or "Z" per account from the regularity of its monthly revenue."""
    if not 0 < x_limit <= y_limit:
        raise AnalyticsInputError("XYZ limits must satisfy 0 < x_limit ≤ y_limit")
    variation = coefficient_of_variation(monthly_revenue)
    classes = np.full(len(variation), "Z", dtype="<U1")
    classes[variation <= y_limit] = "Y"
    classes[variation <= x_limit] = "X"
    return classes


@dataclass(frozen=True)
class AbcXyzMatrix:
    """Number of accounts per ABC class (rows A, B, C) and XYZ class (columns X, Y, Z)."""

    counts: NDArray[np.int64]

    def count(self, abc: str, xyz: str) -> int:
        return int(self.counts[ABC_CLASSES.index(abc), XYZ_CLASSES.index(xyz)])

    def as_dict(self) -> dict[str, int]:
        """Counts keyed "AX", "AY", ..., "CZ", the form a template or JSON response wants."""
        return {a + x: self.count(a, x) for a in ABC_CLASSES for x in XYZ_CLASSES}


def abc_xyz_matrix(abc: ArrayLike, xyz: ArrayLike) -> AbcXyzMatrix:
    """Cross-count per-account ABC and XYZ classes."""
    abc_array, xyz_array = np.asarray(abc), np.asarray(xyz)
    require_same_length(abc=abc_array, xyz=xyz_array)
    unknown = set(abc_array.tolist()) - set(ABC_CLASSES) | set(xyz_array.tolist()) - set(
        XYZ_CLASSES
    )
    if unknown:
        raise AnalyticsInputError(f"unknown classes: {sorted(unknown)}")
    rows = np.searchsorted(np.array(ABC_CLASSES), abc_array)
    columns = np.searchsorted(np.array(XYZ_CLASSES), xyz_array)
    counts = np.zeros((3, 3), dtype=np.int64)
    np.add.at(counts, (rows, columns), 1)
    return AbcXyzMatrix(counts=counts)
