"""Seeded synthetic data for tests, benchmarks and demos: never used on real accounts.

`simulate_bgnbd_customers` draws customers from the BG/NBD and Gamma-Gamma processes themselves
(so a fit must recover the parameters); `simulate_b2b_accounts` draws a monthly B2B portfolio with
heavy-tailed account sizes, seasonality, growers, decliners and churners (so a forecast must
survive data that the models do not describe exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kam_analytics._arrays import FloatArray

DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class SimulatedCustomers:
    """Calibration summaries in weeks, recorded at day resolution as real sales data would be."""

    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray


def simulate_bgnbd_customers(
    n_customers: int,
    *,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    seed: int = 0,
) -> SimulatedCustomers:
    """Customers acquired over 12 weeks and observed until week 39, like the CDNOW cohort."""
    rng = np.random.default_rng(seed)
    age_days = rng.integers(27 * 7, 39 * 7, size=n_customers, endpoint=True)
    # The first purchase happens at some time of its day; dates only keep the day.
    first_time_of_day = rng.random(n_customers)
    age = (age_days - first_time_of_day) / DAYS_PER_WEEK
    rate = rng.gamma(r, 1 / alpha, size=n_customers)
    dropout = rng.beta(a, b, size=n_customers)
    # Purchases while alive follow a Poisson process; death comes after a geometric number of them.
    events_until_T = rng.poisson(rate * age)
    purchases_until_death = rng.geometric(dropout)
    x = np.minimum(events_until_T, purchases_until_death)
    last = np.zeros(n_customers)
    repeat = x > 0
    # The k-th of n uniform event times on [0, T] is T times a Beta(k, n - k + 1) variable.
    last[repeat] = age[repeat] * rng.beta(x[repeat], events_until_T[repeat] - x[repeat] + 1)
    recency = np.floor(last * DAYS_PER_WEEK + first_time_of_day) / DAYS_PER_WEEK
    return SimulatedCustomers(
        frequency=x.astype(np.float64),
        recency=np.where(repeat, recency, 0.0),
        T=age_days / DAYS_PER_WEEK,
        monetary_value=_simulate_average_spend(rng, x, p, q, gamma),
    )


def _simulate_average_spend(
    rng: np.random.Generator, x: np.ndarray, p: float, q: float, gamma: float
) -> FloatArray:
    """Mean of x Gamma(p, ν) purchase values per customer, ν ~ Gamma(q, γ), rounded to cents."""
    spend_rate = rng.gamma(q, 1 / gamma, size=len(x))
    shape = np.where(x > 0, p * x, 1.0)
    average = rng.gamma(shape, 1 / spend_rate) / np.maximum(x, 1)
    average = np.maximum(np.round(average, 2), 0.01)
    return np.where(x > 0, average, 0.0)


@dataclass(frozen=True)
class SimulatedPortfolio:
    """Monthly facts of a B2B portfolio (accounts × months, oldest month first)."""

    monthly_revenue: FloatArray
    monthly_margin: FloatArray
    monthly_purchase_days: FloatArray


def simulate_b2b_accounts(n_accounts: int, n_months: int, *, seed: int = 0) -> SimulatedPortfolio:
    """A B2B portfolio: heavy-tailed sizes, seasonality, growers, decliners, churners, newcomers.

    Each account buys on a Poisson number of days per month (at most 22) at a rate that follows
    its size, a shared seasonal profile, its own trend and its own life span; the value of a
    purchase day is Gamma distributed around the account's typical order.
    """
    rng = np.random.default_rng(seed)
    months = np.arange(n_months)
    yearly_size = rng.lognormal(mean=11.0, sigma=1.4, size=n_accounts)  # EUR, Pareto-like tail
    purchase_rate = np.clip(0.15 * (yearly_size / 1e4) ** 0.45, 0.08, 15.0)  # days per month
    trend = _account_trends(rng, n_accounts)
    active = _active_months(rng, n_accounts, n_months)
    season = 1 + 0.25 * np.sin(2 * np.pi * (months - 2) / 12) + 0.2 * (months % 12 == 11)
    age_years = (months - months[0])[None, :] / 12
    rate = purchase_rate[:, None] * season[None, :] * np.exp(trend[:, None] * age_years) * active
    days = np.minimum(rng.poisson(rate), 22).astype(np.float64)
    order_value = yearly_size / 12 / purchase_rate
    shape = 2.0
    revenue = rng.gamma(np.where(days > 0, shape * days, 1.0), order_value[:, None] / shape)
    revenue = np.where(days > 0, np.round(revenue, 2), 0.0)
    margin_rate = np.clip(rng.normal(0.25, 0.08, size=n_accounts), 0.02, 0.6)
    margin = revenue * np.clip(margin_rate[:, None] + rng.normal(0, 0.03, revenue.shape), -0.1, 0.8)
    return SimulatedPortfolio(revenue, np.round(margin, 2), days)


def _account_trends(rng: np.random.Generator, n_accounts: int) -> FloatArray:
    """Log growth per year: a fifth grow strongly, a fifth decline, the rest drift a little."""
    kind = rng.random(n_accounts)
    drift = rng.normal(0.0, 0.05, size=n_accounts)
    growing = rng.uniform(0.05, 0.4, size=n_accounts)
    declining = rng.uniform(-0.4, -0.05, size=n_accounts)
    return np.where(kind < 0.2, growing, np.where(kind < 0.4, declining, drift))


def _active_months(rng: np.random.Generator, n_accounts: int, n_months: int) -> FloatArray:
    """1 while an account exists: a quarter start late, about a sixth churn at a random month."""
    months = np.arange(n_months)[None, :]
    start = np.where(rng.random(n_accounts) < 0.25, rng.integers(0, n_months, n_accounts), 0)
    churns = rng.random(n_accounts) < 0.17
    end = np.where(churns, rng.integers(1, n_months + 1, n_accounts), n_months)
    end = np.maximum(end, start + 1)
    return ((months >= start[:, None]) & (months < end[:, None])).astype(np.float64)


def simulate_project_business(
    n_accounts: int, n_months: int, *, seed: int = 0
) -> SimulatedPortfolio:
    """Project business: few large accounts, rare lumpy orders, strong growth and churn.

    Accounts order on a few days a year (a Poisson rate of 0.1-1.5 order days per month); an
    order is a project worth many months of the account's size, so a year's revenue swings
    widely; a tenth of the accounts hold most of the revenue; a third grow or shrink fast.
    """
    rng = np.random.default_rng(seed)
    months = np.arange(n_months)
    yearly_size = rng.pareto(1.1, size=n_accounts) * 2e4 + 5e3
    order_rate = rng.uniform(0.1, 1.5, size=n_accounts)
    trend = np.where(
        rng.random(n_accounts) < 0.35,
        rng.normal(0.0, 0.6, n_accounts),
        rng.normal(0, 0.1, n_accounts),
    )
    active = _active_months(rng, n_accounts, n_months)
    rate = order_rate[:, None] * np.exp(trend[:, None] * months[None, :] / 12) * active
    days = rng.poisson(rate).astype(np.float64)
    order_value = yearly_size / 12 / order_rate
    revenue = rng.gamma(np.where(days > 0, 0.7 * days, 1.0), order_value[:, None] / 0.7)
    revenue = np.where(days > 0, np.round(revenue, 2), 0.0)
    margin = np.round(revenue * np.clip(rng.normal(0.3, 0.1, size=(n_accounts, 1)), 0.05, 0.6), 2)
    return SimulatedPortfolio(revenue, margin, days)
