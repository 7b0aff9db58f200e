"""BG/NBD model (Fader, Hardie & Lee 2005): how often a customer buys and whether they are alive.

Inputs per customer, all in one time unit of the caller's choice (weeks, months, ...):
`frequency` x = number of repeat purchases (purchase occasions after the first), `recency` t_x =
age of the customer at the last purchase (0 when x = 0), `T` = age of the customer at the end
of the calibration period. Predictions come back in the same time unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, hyp2f1

from kam_analytics._arrays import (
    FloatArray,
    as_float_vector,
    require_non_empty,
    require_same_length,
)
from kam_analytics.clv._fitting import dot, maximise_in_log_space, standard_errors, unique_rows
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError

PARAMETER_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbdFit:
    """Maximum-likelihood BG/NBD parameters with their standard errors."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    standard_errors: dict[str, float]
    n_customers: int
    n_unique_rows: int
    converged: bool

    @property
    def r_se(self) -> float:
        return self.standard_errors["r"]

    @property
    def alpha_se(self) -> float:
        return self.standard_errors["alpha"]

    @property
    def a_se(self) -> float:
        return self.standard_errors["a"]

    @property
    def b_se(self) -> float:
        return self.standard_errors["b"]


@dataclass(frozen=True)
class _BgNbdRows:
    """Weighted unique rows, split into customers without and with repeat purchases."""

    n_customers: float
    once_T: FloatArray
    once_weight: FloatArray
    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weight: FloatArray
    x_levels: FloatArray
    x_level_weight: FloatArray


def validated_bgnbd_inputs(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check and return (x, t_x, T) as float arrays; refuse anything the model cannot describe."""
    x = as_float_vector(frequency, "frequency")
    t_x = as_float_vector(recency, "recency")
    age = as_float_vector(T, "T")
    require_same_length(frequency=x, recency=t_x, T=age)
    require_non_empty(x, "frequency")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise AnalyticsInputError(
            "frequency must be a non-negative whole number of repeat purchases"
        )
    if np.any(age <= 0):
        raise AnalyticsInputError("T (customer age at the end of calibration) must be positive")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise AnalyticsInputError("recency must lie between 0 and T (age at the last purchase)")
    if np.any((x == 0) & (t_x != 0)):
        raise AnalyticsInputError("recency must be 0 for customers without repeat purchases")
    return x, t_x, age


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood; see the module docstring for the inputs."""
    x, t_x, age = validated_bgnbd_inputs(frequency, recency, T)
    if not np.any(x > 0):
        raise ModelNotApplicableError(
            "BG/NBD needs at least one customer with a repeat purchase; nobody bought twice"
        )
    rows = _compress(x, t_x, age)
    params, converged = maximise_in_log_space(
        lambda p: _log_likelihood_and_gradient(p, rows), (1.0, 1.0, 1.0, 1.0), rows.n_customers
    )
    errors = standard_errors(lambda p: _log_likelihood_and_gradient(p, rows), params)
    r, alpha, a, b = (float(value) for value in params)
    return BgNbdFit(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=float(_log_likelihood_and_gradient(params, rows)[0]),
        standard_errors=dict(zip(PARAMETER_NAMES, map(float, errors), strict=True)),
        n_customers=len(x),
        n_unique_rows=len(rows.once_T) + len(rows.x),
        converged=converged,
    )


def _compress(x: FloatArray, t_x: FloatArray, age: FloatArray) -> _BgNbdRows:
    once = x == 0
    once_T, once_weight = unique_rows(age[once])
    (x_u, t_x_u, age_u), weight = unique_rows(x[~once], t_x[~once], age[~once])
    x_levels, level_index = np.unique(x_u, return_inverse=True)
    return _BgNbdRows(
        n_customers=float(len(x)),
        once_T=once_T[0],
        once_weight=once_weight,
        x=x_u,
        t_x=t_x_u,
        T=age_u,
        weight=weight,
        x_levels=x_levels,
        x_level_weight=np.bincount(level_index, weights=weight).astype(np.float64),
    )


def _log_likelihood_and_gradient(params: FloatArray, rows: _BgNbdRows) -> tuple[float, FloatArray]:
    """Total log-likelihood and its gradient with respect to (r, alpha, a, b)."""
    parts = (
        _shared_terms(params, rows),
        _single_buyer_terms(params, rows),
        _repeat_terms(params, rows),
    )
    return sum(part[0] for part in parts), np.sum([part[1] for part in parts], axis=0)


def _shared_terms(params: FloatArray, rows: _BgNbdRows) -> tuple[float, FloatArray]:
    """Gamma and beta function terms, which depend on x only: computed once per distinct x."""
    r, alpha, a, b = params
    xl, wl, n = rows.x_levels, rows.x_level_weight, rows.n_customers
    value = n * r * np.log(alpha) + dot(
        wl,
        gammaln(r + xl)
        - gammaln(r)
        + gammaln(a + b)
        + gammaln(b + xl)
        - gammaln(b)
        - gammaln(a + b + xl),
    )
    gradient = np.array(
        [
            n * np.log(alpha) + dot(wl, digamma(r + xl) - digamma(r)),
            n * r / alpha,
            dot(wl, digamma(a + b) - digamma(a + b + xl)),
            dot(wl, digamma(a + b) + digamma(b + xl) - digamma(b) - digamma(a + b + xl)),
        ]
    )
    return float(value), gradient


def _single_buyer_terms(params: FloatArray, rows: _BgNbdRows) -> tuple[float, FloatArray]:
    """Customers who never bought again can only be alive: one term, no mixture."""
    r, alpha, _, _ = params
    log_age = np.log(alpha + rows.once_T)
    value = -r * dot(rows.once_weight, log_age)
    gradient = np.array(
        [
            -dot(rows.once_weight, log_age),
            -r * dot(rows.once_weight, 1 / (alpha + rows.once_T)),
            0,
            0,
        ]
    )
    return float(value), gradient


def _repeat_terms(params: FloatArray, rows: _BgNbdRows) -> tuple[float, FloatArray]:
    """Mixture of "still alive at T" and "dropped out after the last purchase", in log space."""
    r, alpha, a, b = params
    rx, w = r + rows.x, rows.weight
    log_T, log_t_x = np.log(alpha + rows.T), np.log(alpha + rows.t_x)
    alive = -rx * log_T
    dropped = np.log(a) - np.log(b + rows.x - 1) - rx * log_t_x
    share_dropped = expit(dropped - alive)
    value = dot(w, alive + np.logaddexp(0.0, dropped - alive))
    w_dropped = w * share_dropped
    gradient = np.array(
        [
            -dot(w, log_T) + dot(w_dropped, log_T - log_t_x),
            -dot(
                w * rx, (1 - share_dropped) / (alpha + rows.T) + share_dropped / (alpha + rows.t_x)
            ),
            w_dropped.sum() / a,
            -dot(w_dropped, 1 / (b + rows.x - 1)),
        ]
    )
    return float(value), gradient


def probability_alive(
    model: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(customer is still active at T | x, t_x, T)."""
    x, t_x, age = validated_bgnbd_inputs(frequency, recency, T)
    return expit(-_log_odds_dropped(model, x, t_x, age))


def _log_odds_dropped(
    model: BgNbdFit, x: FloatArray, t_x: FloatArray, age: FloatArray
) -> FloatArray:
    """log(P(dropped out) / P(alive)); minus infinity for customers who never bought again."""
    log_odds = np.full(len(x), -np.inf)
    repeat = x > 0
    xr = x[repeat]
    log_odds[repeat] = (
        np.log(model.a)
        - np.log(model.b + xr - 1)
        + (model.r + xr) * (np.log(model.alpha + age[repeat]) - np.log(model.alpha + t_x[repeat]))
    )
    return log_odds


def conditional_expected_transactions(
    model: BgNbdFit, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Expected number of purchases in the next `t` time units, given each customer's history."""
    if not (np.isfinite(t) and t >= 0):
        raise AnalyticsInputError("the forecast horizon t must be a non-negative number")
    x, t_x, age = validated_bgnbd_inputs(frequency, recency, T)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if np.isclose(a, 1.0):
        raise ModelNotApplicableError("the BG/NBD expectation is undefined for a = 1")
    c = a + b + x - 1
    z = t / (alpha + age + t)
    log_hyp = _log_hyp2f1(r + x, b + x, c, z)
    horizon_term = 1 - np.exp(log_hyp + (r + x) * np.log((alpha + age) / (alpha + age + t)))
    alive = expit(-_log_odds_dropped(model, x, t_x, age))
    return np.asarray(c / (a - 1) * horizon_term * alive, dtype=np.float64)


def _log_hyp2f1(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """log 2F1(a, b; c; z), falling back to Euler's transformation where the series overflows."""
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        result = np.log(hyp2f1(a, b, c, z))
        # The transformation only where the series overflowed (it costs as much as the series).
        over = ~np.isfinite(result)
        if over.any():
            a, b, c, z = a[over], b[over], c[over], z[over]
            result[over] = np.log(hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    return np.asarray(result, dtype=np.float64)
