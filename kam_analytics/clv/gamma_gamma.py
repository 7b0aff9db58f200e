"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): how much a customer spends per purchase.

Inputs per customer: `frequency` x = number of repeat purchases and `monetary_value` = average
value of those repeat purchases, in any money unit (EUR by convention in kam); expected spend
comes back in the same unit. Customers with x = 0 carry no spend information and are left out of
the fit. The model assumes spend per purchase is independent of purchase frequency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from kam_analytics._arrays import (
    FloatArray,
    as_float_vector,
    require_non_empty,
    require_same_length,
)
from kam_analytics.clv._fitting import dot, maximise_in_log_space, standard_errors, unique_rows
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError

PARAMETER_NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters with their standard errors."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    standard_errors: dict[str, float]
    n_customers: int
    n_unique_rows: int
    converged: bool

    @property
    def p_se(self) -> float:
        return self.standard_errors["p"]

    @property
    def q_se(self) -> float:
        return self.standard_errors["q"]

    @property
    def gamma_se(self) -> float:
        return self.standard_errors["gamma"]

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, p·γ/(q−1); defined only for q > 1."""
        _require_finite_mean(self)
        return self.p * self.gamma / (self.q - 1)


@dataclass(frozen=True)
class _SpendRows:
    """Weighted unique (x, m̄) rows with the sums that do not depend on the parameters."""

    n_customers: float
    total_spend: FloatArray
    weight: FloatArray
    x: FloatArray
    x_levels: FloatArray
    x_level_weight: FloatArray
    sum_log_m: float
    sum_x_log_m: float


def validated_spend_inputs(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Check and return (x, m̄); refuse NaN, negative spend and zero spend of repeat buyers."""
    x = as_float_vector(frequency, "frequency")
    m = as_float_vector(monetary_value, "monetary_value")
    require_same_length(frequency=x, monetary_value=m)
    require_non_empty(x, "frequency")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise AnalyticsInputError(
            "frequency must be a non-negative whole number of repeat purchases"
        )
    if np.any(m < 0):
        raise AnalyticsInputError(
            "monetary_value must not be negative (net out credit notes first)"
        )
    if np.any((x > 0) & (m == 0)):
        raise AnalyticsInputError("repeat buyers must have a positive average spend")
    return x, m


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFit:
    """Fit the Gamma-Gamma model on the repeat buyers (x > 0) by maximum likelihood."""
    x, m = validated_spend_inputs(frequency, monetary_value)
    repeat = x > 0
    if not np.any(repeat):
        raise ModelNotApplicableError("Gamma-Gamma needs repeat buyers; nobody bought twice")
    rows = _compress(x[repeat], m[repeat])
    params, converged = maximise_in_log_space(
        lambda p: _log_likelihood_and_gradient(p, rows), (1.0, 1.0, 1.0), rows.n_customers
    )
    errors = standard_errors(lambda p: _log_likelihood_and_gradient(p, rows), params)
    p, q, gamma = (float(value) for value in params)
    return GammaGammaFit(
        p=p,
        q=q,
        gamma=gamma,
        log_likelihood=float(_log_likelihood_and_gradient(params, rows)[0]),
        standard_errors=dict(zip(PARAMETER_NAMES, map(float, errors), strict=True)),
        n_customers=int(repeat.sum()),
        n_unique_rows=len(rows.x),
        converged=converged,
    )


def _compress(x: FloatArray, m: FloatArray) -> _SpendRows:
    (x_u, m_u), weight = unique_rows(x, m)
    x_levels, level_index = np.unique(x_u, return_inverse=True)
    log_m = np.log(m_u)
    return _SpendRows(
        n_customers=float(weight.sum()),
        total_spend=x_u * m_u,
        weight=weight,
        x=x_u,
        x_levels=x_levels,
        x_level_weight=np.bincount(level_index, weights=weight).astype(np.float64),
        sum_log_m=dot(weight, log_m),
        sum_x_log_m=dot(weight * x_u, log_m),
    )


def _log_likelihood_and_gradient(params: FloatArray, rows: _SpendRows) -> tuple[float, FloatArray]:
    """Total log-likelihood and gradient with respect to (p, q, gamma).

    Per customer: lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ+x m̄).
    """
    p, q, gamma = params
    xl, wl, n = rows.x_levels, rows.x_level_weight, rows.n_customers
    log_total = np.log(gamma + rows.total_spend)
    w_log_total = dot(rows.weight, log_total)
    wx_log_total = dot(rows.weight * rows.x, log_total)
    value = (
        dot(wl, gammaln(p * xl + q) - gammaln(p * xl) + p * xl * np.log(xl))
        - n * gammaln(q)
        + n * q * np.log(gamma)
        + p * rows.sum_x_log_m
        - rows.sum_log_m
        - p * wx_log_total
        - q * w_log_total
    )
    inverse_total = 1 / (gamma + rows.total_spend)
    gradient = np.array(
        [
            dot(wl * xl, digamma(p * xl + q) - digamma(p * xl) + np.log(xl))
            + rows.sum_x_log_m
            - wx_log_total,
            dot(wl, digamma(p * xl + q)) - n * digamma(q) + n * np.log(gamma) - w_log_total,
            n * q / gamma - dot(rows.weight * (p * rows.x + q), inverse_total),
        ]
    )
    return float(value), gradient


def conditional_expected_average_spend(
    model: GammaGammaFit, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Expected spend per future purchase: a credibility-weighted mix of m̄ and the population mean.

    Customers without repeat purchases get the population mean p·γ/(q−1).
    """
    x, m = validated_spend_inputs(frequency, monetary_value)
    _require_finite_mean(model)
    p, q = model.p, model.q
    weight_own = p * x / (p * x + q - 1)
    return np.asarray(
        weight_own * m + (1 - weight_own) * model.population_mean_spend, dtype=np.float64
    )


def _require_finite_mean(model: GammaGammaFit) -> None:
    if model.q <= 1:
        raise ModelNotApplicableError(
            f"Gamma-Gamma fit has q = {model.q:.3f} ≤ 1: the spend distribution has no "
            "finite mean, so expected spend is undefined"
        )
