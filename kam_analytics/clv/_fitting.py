"""Shared machinery for the CLV models: row compression, log-space optimisation, standard errors.

Both models are fitted by maximum likelihood on *weighted unique rows*: customers with identical
inputs contribute identical log-likelihood terms, so summing one term per unique row times its
count is exact and much cheaper on large, discretised data (days, weeks, cents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import minimize

from kam_analytics._arrays import FloatArray
from kam_analytics.errors import ModelNotApplicableError

# Gradient of the log-likelihood with respect to the natural parameters.
GradientFn = Callable[[FloatArray], tuple[float, FloatArray]]


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], FloatArray]:
    """Return the distinct rows of the given equal-length columns and how often each occurs.

    Each column is factorised on its own and the level codes are packed into one integer key,
    which sorts far faster than a lexicographic sort of float rows.
    """
    levels: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for column in columns:
        level, code = np.unique(column, return_inverse=True)
        levels.append(level)
        codes.append(code.astype(np.int64))
    key = codes[0]
    for level, code in zip(levels[1:], codes[1:], strict=True):
        key = key * len(level) + code
    unique_keys, counts = np.unique(key, return_counts=True)
    rows = _unpack_keys(unique_keys, levels)
    return rows, counts.astype(np.float64)


def _unpack_keys(keys: np.ndarray, levels: list[np.ndarray]) -> list[np.ndarray]:
    rows: list[np.ndarray] = []
    for level in reversed(levels):
        rows.append(level[keys % len(level)])
        keys = keys // len(level)
    return rows[::-1]


def dot(left: np.ndarray, right: np.ndarray) -> float:
    """Inner product of two vectors without BLAS.

    BLAS may spread a dot product over threads, which costs more than it saves on vectors of
    this size and slows the fit several times over when other processes share the cores.
    """
    return float(np.einsum("i,i->", left, right))


def maximise_in_log_space(
    log_likelihood_and_gradient: GradientFn,
    start: Sequence[float],
    n_customers: float,
) -> tuple[FloatArray, bool]:
    """Maximise a log-likelihood over positive parameters by L-BFGS-B on their logarithms.

    The objective is the mean negative log-likelihood per customer, so the tolerances mean the same
    thing for a hundred customers and for a million.
    """

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        value, gradient = log_likelihood_and_gradient(params)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return -value / n_customers, -(gradient * params) / n_customers

    result = minimize(
        objective,
        np.log(np.asarray(start, dtype=np.float64)),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-15.0, 15.0)] * len(start),
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
    )
    if not np.all(np.isfinite(result.x)):
        raise ModelNotApplicableError("the likelihood could not be maximised")
    return np.exp(result.x), bool(result.success)


def standard_errors(gradient_fn: GradientFn, params: FloatArray) -> FloatArray:
    """Standard errors from the inverse observed information (numerical Hessian of the gradient).

    Returns NaN where the Hessian is not negative definite, i.e. where the maximum is not a proper
    interior maximum and asymptotic standard errors do not exist.
    """
    hessian = _numerical_hessian(gradient_fn, params)
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full(len(params), np.nan)
    variances = np.diag(covariance)
    if np.any(variances <= 0) or np.any(np.linalg.eigvalsh(-hessian) <= 0):
        return np.full(len(params), np.nan)
    return np.asarray(np.sqrt(variances), dtype=np.float64)


def _numerical_hessian(gradient_fn: GradientFn, params: FloatArray) -> FloatArray:
    size = len(params)
    hessian = np.empty((size, size))
    for i in range(size):
        step = 1e-5 * params[i]
        upper, lower = params.copy(), params.copy()
        upper[i] += step
        lower[i] -= step
        hessian[:, i] = (gradient_fn(upper)[1] - gradient_fn(lower)[1]) / (2 * step)
    return np.asarray((hessian + hessian.T) / 2, dtype=np.float64)
