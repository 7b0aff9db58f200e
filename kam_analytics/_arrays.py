"""Small input checks shared by the analytics modules: turn array-likes into clean float arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kam_analytics.errors import AnalyticsInputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def as_float_vector(values: ArrayLike, name: str) -> FloatArray:
    """Return `values` as a 1-d float64 array without NaN or infinity."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise AnalyticsInputError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise AnalyticsInputError(f"{name} contains NaN or infinite values")
    return array


def as_float_matrix(values: ArrayLike, name: str) -> FloatArray:
    """Return `values` as a 2-d float64 array (accounts × months) without NaN or infinity."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise AnalyticsInputError(f"{name} must be two-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise AnalyticsInputError(f"{name} contains NaN or infinite values")
    return array


def require_same_length(**arrays: np.ndarray) -> int:
    """Return the common length of the given arrays, or refuse if they differ."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise AnalyticsInputError(f"arrays must have the same length, got {described}")
    return next(iter(lengths.values()), 0)


def require_non_empty(array: np.ndarray, name: str) -> None:
    """Refuse an empty array: no analysis is meaningful without at least one account."""
    if array.size == 0:
        raise AnalyticsInputError(f"{name} is empty")
