"""Tomorrow's top customers: expected revenue and margin per account over the next 12 months.

Inputs are the monthly account facts as arrays (accounts × months, oldest month first, the last
column being the last complete month before the as-of date): revenue and margin in EUR (any
money unit works, results come back in it) and the number of distinct purchase days per month.
Time is measured in months from the start of the first column; by default each account's first
and last purchase are placed in the middle of the first and last month with a purchase day, and
the as-of point is the end of the last column. Day-precise positions can be passed instead
(e.g. month index + (day − 1) / days in month).

The forecast combines two views of each account, averaged in log space (a geometric mean with
`model_weight`), which shrinks the account's own recent level toward the model:
- the model: BG/NBD expected purchase days in the next 12 months (which discounts accounts that
  have gone quiet by their probability of being alive) × Gamma-Gamma expected revenue per
  purchase day (own average shrunk toward the portfolio), times the account's lifetime trend;
- the recent level: the last 12 months' revenue × the year-over-year growth (comparing whole
  years cancels seasonality).
Both trends are shrunk toward "no change" by their noise (empirical Bayes), which damps them.
An account without revenue in the last 12 months is forecast at 0: a silent year is stronger
evidence than any model (its probability of being alive is still reported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm, spearmanr

from kam_analytics._arrays import FloatArray, as_float_matrix, as_float_vector
from kam_analytics.clv.bgnbd import (
    BgNbdFit,
    conditional_expected_transactions,
    fit_bgnbd,
    probability_alive,
)
from kam_analytics.clv.gamma_gamma import conditional_expected_average_spend, fit_gamma_gamma
from kam_analytics.clv.value import MONTHLY_DISCOUNT_RATE
from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError

HORIZON_MONTHS = 12


@dataclass(frozen=True)
class AccountHistory:
    """Monthly facts per account; optional first/last purchase and as-of positions in months."""

    monthly_revenue: FloatArray
    monthly_purchase_days: FloatArray
    monthly_margin: FloatArray | None = None
    first_purchase: FloatArray | None = None
    last_purchase: FloatArray | None = None
    as_of: float | None = None

    @property
    def n_months(self) -> int:
        return int(self.monthly_revenue.shape[1])


def account_history(
    monthly_revenue: ArrayLike,
    monthly_purchase_days: ArrayLike,
    monthly_margin: ArrayLike | None = None,
    *,
    first_purchase: ArrayLike | None = None,
    last_purchase: ArrayLike | None = None,
    as_of: float | None = None,
) -> AccountHistory:
    """Validate the arrays and bundle them; see the module docstring for units and positions."""
    revenue = as_float_matrix(monthly_revenue, "monthly_revenue")
    days = as_float_matrix(monthly_purchase_days, "monthly_purchase_days")
    margin = None if monthly_margin is None else as_float_matrix(monthly_margin, "monthly_margin")
    for name, matrix in (("monthly_purchase_days", days), ("monthly_margin", margin)):
        if matrix is not None and matrix.shape != revenue.shape:
            raise AnalyticsInputError(f"{name} must have the shape of monthly_revenue")
    if np.any(days < 0) or np.any(days != np.floor(days)):
        raise AnalyticsInputError("monthly_purchase_days must be non-negative whole numbers")
    first = None if first_purchase is None else as_float_vector(first_purchase, "first_purchase")
    last = None if last_purchase is None else as_float_vector(last_purchase, "last_purchase")
    return AccountHistory(revenue, days, margin, first, last, as_of)


def purchase_summary(history: AccountHistory) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(frequency, recency, T) in months for the accounts that bought at least once."""
    days = history.monthly_purchase_days
    bought = days.sum(axis=1) > 0
    months_with_purchase = days[bought] > 0
    first_month = months_with_purchase.argmax(axis=1)
    last_month = history.n_months - 1 - months_with_purchase[:, ::-1].argmax(axis=1)
    # Without day-precise positions, place the first and last purchase where d purchase days
    # spread evenly over a month put them on average: 1/(d+1) and d/(d+1) into the month. A
    # fixed mid-month would tell the model that an account buying daily has been silent for
    # half a month, and BG/NBD would all but declare it dead.
    rows = np.arange(len(first_month))
    first_days = days[bought][rows, first_month]
    last_days = days[bought][rows, last_month]
    first = _position(history.first_purchase, bought, first_month + 1 / (first_days + 1))
    last = _position(history.last_purchase, bought, last_month + last_days / (last_days + 1))
    as_of = float(history.n_months if history.as_of is None else history.as_of)
    if np.any(first > last) or np.any(last > as_of):
        raise AnalyticsInputError("purchases must satisfy first ≤ last ≤ as_of")
    frequency = days[bought].sum(axis=1) - 1
    recency = np.where(frequency > 0, last - first, 0.0)
    return frequency, recency, as_of - first


def _position(
    given: FloatArray | None, bought: NDArray[np.bool_], derived: FloatArray
) -> FloatArray:
    return derived.astype(np.float64) if given is None else given[bought]


@dataclass(frozen=True)
class RevenueForecast:
    """Per-account forecast for the next 12 months; rank 1 is the biggest expected revenue."""

    expected_revenue: FloatArray
    expected_margin: FloatArray  # NaN when no margin was given
    model_revenue: FloatArray  # BG/NBD × Gamma-Gamma, corrected by the account's lifetime trend
    recent_revenue: FloatArray  # last 12 months × the account's year-over-year trend
    probability_alive: FloatArray
    expected_purchase_days: FloatArray
    rank: NDArray[np.int64]


@dataclass(frozen=True)
class PurchaseModels:
    """BG/NBD and Gamma-Gamma fitted to the accounts that bought at least once: what
    forecast_revenue and model_lifetime_value of one history share (`fit_purchase_models`)."""

    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    bgnbd: BgNbdFit
    spend: FloatArray  # expected revenue per purchase day (Gamma-Gamma, or the own average)


def fit_purchase_models(history: AccountHistory) -> PurchaseModels:
    """Fit both purchase models once, for the forecast and the lifetime value of `history`."""
    frequency, recency, age = purchase_summary(history)
    bgnbd = fit_bgnbd(frequency, recency, age)
    bought = history.monthly_purchase_days.sum(axis=1) > 0
    revenue = history.monthly_revenue[bought].sum(axis=1)
    days = history.monthly_purchase_days[bought].sum(axis=1)
    spend = _expected_spend_per_purchase_day(frequency, revenue / days)
    return PurchaseModels(frequency, recency, age, bgnbd, spend)


def forecast_revenue(
    history: AccountHistory, *, model_weight: float = 0.5, models: PurchaseModels | None = None
) -> RevenueForecast:
    """Forecast the next 12 months per account; see the module docstring for the method.

    `models`: `fit_purchase_models(history)` if the caller has them already."""
    if not 0 <= model_weight <= 1:
        raise AnalyticsInputError("model_weight must lie between 0 and 1")
    n_accounts = history.monthly_revenue.shape[0]
    bought = history.monthly_purchase_days.sum(axis=1) > 0
    alive, purchases, model = (np.zeros(n_accounts) for _ in range(3))
    alive[bought], purchases[bought], model[bought] = _model_view(
        fit_purchase_models(history) if models is None else models
    )
    model *= lifetime_trend_multiplier(history)
    recent = recent_trend_revenue(history)
    expected = model**model_weight * recent ** (1 - model_weight)
    return RevenueForecast(
        expected_revenue=expected,
        expected_margin=expected * margin_rates(history),
        model_revenue=model,
        recent_revenue=recent,
        probability_alive=alive,
        expected_purchase_days=purchases,
        rank=ranks(expected),
    )


def _model_view(models: PurchaseModels) -> tuple[FloatArray, FloatArray, FloatArray]:
    """P(alive), expected purchase days and expected revenue (BG/NBD × Gamma-Gamma) of the
    accounts that bought."""
    summary = (models.frequency, models.recency, models.age)
    alive = probability_alive(models.bgnbd, *summary)
    purchases = conditional_expected_transactions(models.bgnbd, HORIZON_MONTHS, *summary)
    return alive, purchases, purchases * models.spend


def _expected_spend_per_purchase_day(frequency: FloatArray, average: FloatArray) -> FloatArray:
    """Gamma-Gamma shrunk average; own average if the spend model does not apply to the data.

    Accounts whose credit notes outweigh their invoices spend 0 per purchase day.
    """
    spends = average > 0
    repeat = np.where(spends, frequency, 0.0)
    observed = np.where(spends, average, 0.0)
    try:
        model = fit_gamma_gamma(repeat, observed)
        expected = conditional_expected_average_spend(model, repeat, observed)
    except ModelNotApplicableError:
        expected = np.where(spends, average, average[spends].mean() if spends.any() else 0.0)
    return np.where(spends, expected, 0.0)


def model_lifetime_value(
    history: AccountHistory,
    *,
    months: int = HORIZON_MONTHS,
    monthly_discount_rate: float = MONTHLY_DISCOUNT_RATE,
    models: PurchaseModels | None = None,
) -> FloatArray:
    """Present value of each account's next `months` months by BG/NBD × Gamma-Gamma alone.

    The customer lifetime value of the CLV literature, on monthly facts: expected purchase days
    per month (BG/NBD) × expected revenue per purchase day (Gamma-Gamma, or the own average where
    that model does not apply), discounted by (1 + rate)^k for month k. In the money unit of the
    history; 0 for accounts that never bought. Refuses (ModelNotApplicableError) where BG/NBD
    cannot describe the data. `models`: `fit_purchase_models(history)` if the caller has them.
    """
    if months < 1 or monthly_discount_rate <= -1:
        raise AnalyticsInputError("months must be ≥ 1 and the discount rate above -100 %")
    bought = history.monthly_purchase_days.sum(axis=1) > 0
    value = np.zeros(history.monthly_revenue.shape[0])
    if not bought.any():
        return value
    models = fit_purchase_models(history) if models is None else models
    summary = (models.frequency, models.recency, models.age)
    cumulative = np.array(
        [conditional_expected_transactions(models.bgnbd, k, *summary) for k in range(months + 1)]
    )
    discount = (1 + monthly_discount_rate) ** -np.arange(1, months + 1)
    value[bought] = models.spend * (discount @ np.diff(cumulative, axis=0))
    return value


# Relative variance of one purchase day's revenue: order values vary (squared coefficient of
# variation about 0.5) on top of the Poisson variation of the number of purchase days (1).
RELATIVE_VARIANCE_PER_PURCHASE_DAY = 1.5


def lifetime_trend_multiplier(history: AccountHistory) -> FloatArray:
    """Growth factor from the middle of each account's history to the middle of the horizon.

    The BG/NBD and Gamma-Gamma models average over an account's whole history, which lags behind
    a growing or declining account. The log growth per month between the first and second half of
    its history, shrunk by its noise (empirical Bayes), extrapolates that average forward.
    """
    revenue, days = history.monthly_revenue, history.monthly_purchase_days
    first = np.where(days.sum(axis=1) > 0, (days > 0).argmax(axis=1), history.n_months)
    half = (history.n_months - first) / 2
    early = np.arange(history.n_months)[None, :] < (first + half)[:, None]
    growth, variance = _log_growth(
        (revenue * early).sum(axis=1),
        (revenue * ~early).sum(axis=1),
        (days * early).sum(axis=1),
        (days * ~early).sum(axis=1),
    )
    usable = np.isfinite(variance) & (half >= 3)
    per_month = np.where(usable, growth / np.maximum(half, 1), 0.0)
    variance_per_month = np.where(usable, variance / np.maximum(half, 1) ** 2, np.inf)
    shrunk = per_month * empirical_bayes_weight(per_month, variance_per_month)
    return np.exp(np.clip(shrunk * (half + HORIZON_MONTHS / 2), -2.0, 2.0))


def recent_trend_revenue(history: AccountHistory) -> FloatArray:
    """Last 12 months' revenue × the year-over-year growth, shrunk by its noise (empirical Bayes).

    Comparing whole years cancels seasonality. Accounts silent for the last 12 months get 0.
    """
    revenue, days = history.monthly_revenue, history.monthly_purchase_days
    last_year = np.clip(revenue[:, -HORIZON_MONTHS:].sum(axis=1), 0, None)
    if history.n_months < 2 * HORIZON_MONTHS:
        return np.asarray(last_year, dtype=np.float64)
    before = slice(-2 * HORIZON_MONTHS, -HORIZON_MONTHS)
    growth, variance = _log_growth(
        revenue[:, before].sum(axis=1),
        last_year,
        days[:, before].sum(axis=1),
        days[:, -HORIZON_MONTHS:].sum(axis=1),
    )
    return np.asarray(last_year * np.exp(growth * empirical_bayes_weight(growth, variance)))


def _log_growth(
    earlier: FloatArray, later: FloatArray, earlier_days: FloatArray, later_days: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """log(later / earlier) and its sampling variance; 0 and infinity where either is not > 0."""
    usable = (earlier > 0) & (later > 0)
    safe_earlier, safe_later = np.where(usable, earlier, 1.0), np.where(usable, later, 1.0)
    growth = np.where(usable, np.log(safe_later / safe_earlier), 0.0)
    noise = RELATIVE_VARIANCE_PER_PURCHASE_DAY * (
        1 / np.maximum(earlier_days, 1) + 1 / np.maximum(later_days, 1)
    )
    return growth, np.where(usable, noise, np.inf)


def empirical_bayes_weight(estimate: FloatArray, variance: FloatArray) -> FloatArray:
    """Weight τ² / (τ² + variance) of each noisy estimate against the portfolio's mean of 0.

    τ², the spread of the true values, is the spread of the estimates minus their average noise.
    Estimates with infinite variance get weight 0.
    """
    usable = np.isfinite(variance)
    if usable.sum() < 2:
        return np.zeros(len(estimate))
    true_spread = max(float(np.var(estimate[usable]) - np.mean(variance[usable])), 1e-12)
    return np.where(usable, true_spread / (true_spread + np.where(usable, variance, 1.0)), 0.0)


def margin_rates(history: AccountHistory) -> FloatArray:
    """Each account's margin / revenue over the history; the portfolio's rate where undefined."""
    n_accounts = history.monthly_revenue.shape[0]
    if history.monthly_margin is None:
        return np.full(n_accounts, np.nan)
    revenue = history.monthly_revenue.sum(axis=1)
    margin = history.monthly_margin.sum(axis=1)
    portfolio = margin.sum() / revenue.sum() if revenue.sum() > 0 else np.nan
    return np.where(revenue > 0, margin / np.where(revenue > 0, revenue, 1.0), portfolio)


def ranks(values: ArrayLike) -> NDArray[np.int64]:
    """1 for the largest value, 2 for the next, ...; ties keep the input order."""
    order = np.argsort(-np.asarray(values, dtype=np.float64), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def naive_forecast(history: AccountHistory) -> FloatArray:
    """The forecast to beat: the next 12 months will be like the last 12."""
    return np.asarray(history.monthly_revenue[:, -HORIZON_MONTHS:].sum(axis=1), dtype=np.float64)


#: Months of history the band's own backtest needs before its holdout year.
BAND_MIN_CALIBRATION_MONTHS = 12
#: Accounts by forecast size for the band's quantiles, and the fewest accounts a group needs.
BAND_SIZE_GROUPS = 5
BAND_MIN_GROUP = 30


def calibrated_band(
    history: AccountHistory,
    expected: ArrayLike,
    *,
    coverage: float = 0.8,
    holdout_months: int = HORIZON_MONTHS,
) -> tuple[FloatArray, FloatArray]:
    """The forecast's uncertainty band, taken from its own errors one year back: (low, high).

    The forecast is made again as it would have been `holdout_months` ago and compared with what
    the accounts bought since (split conformal prediction, in time). Errors are taken relative
    to the forecast (with a floor of 5 % of the median forecast, so that an account forecast at
    zero that came back counts too) and their central `coverage` quantiles, per group of
    accounts of similar forecast size, scale the current forecasts. The band always contains the
    forecast and never goes below zero. Where the history is too short for that backtest, or the
    models do not apply to the shorter history, `forecast_band` gives the band instead.

    On simulated B2B portfolios an 80 % band holds 80–87 % of the outcomes (the backtest
    forecasts from a year less history, so its errors are a little larger); `forecast_band`
    held 70–76 %.
    """
    if not 0 < coverage < 1:
        raise AnalyticsInputError("coverage must lie strictly between 0 and 1")
    forecast = as_float_vector(expected, "expected")
    if history.n_months < holdout_months + BAND_MIN_CALIBRATION_MONTHS:
        return forecast_band(history, forecast, coverage=coverage)
    calibration, actual = split_history(history, holdout_months)
    try:
        past = forecast_revenue(calibration).expected_revenue
    except (AnalyticsInputError, ModelNotApplicableError):
        return forecast_band(history, forecast, coverage=coverage)
    positive = past[past > 0]
    if not len(positive) or not np.all(np.isfinite(past)):
        return forecast_band(history, forecast, coverage=coverage)
    floor = 0.05 * float(np.median(positive))
    errors = (actual - past) / np.maximum(past, floor)
    groups = min(BAND_SIZE_GROUPS, max(len(past) // BAND_MIN_GROUP, 1))
    edges = np.quantile(past, np.linspace(0, 1, groups + 1)[1:-1])
    then, now = np.searchsorted(edges, past), np.searchsorted(edges, forecast)
    tails = ((1 - coverage) / 2, (1 + coverage) / 2)
    pooled = np.quantile(errors, tails)
    quantiles = np.array(
        [
            np.quantile(errors[then == group], tails)
            if np.count_nonzero(then == group) >= BAND_MIN_GROUP
            else pooled  # ties in the sizes (many zero forecasts) can leave a group thin
            for group in range(groups)
        ]
    )
    below = np.minimum(quantiles[now, 0], 0.0)
    above = np.maximum(quantiles[now, 1], 0.0)
    scale = np.maximum(forecast, floor)
    return np.clip(forecast + below * scale, 0, None), forecast + above * scale


def split_history(
    history: AccountHistory, holdout_months: int = HORIZON_MONTHS
) -> tuple[AccountHistory, FloatArray]:
    """Calibration history without the last `holdout_months` and the revenue actually earned then.

    Day-precise purchase positions are dropped: they may lie in the holdout.
    """
    if not 0 < holdout_months < history.n_months:
        raise AnalyticsInputError("the holdout must leave at least one calibration month")
    cut = history.n_months - holdout_months
    margin = None if history.monthly_margin is None else history.monthly_margin[:, :cut]
    calibration = replace(
        history,
        monthly_revenue=history.monthly_revenue[:, :cut],
        monthly_purchase_days=history.monthly_purchase_days[:, :cut],
        monthly_margin=margin,
        first_purchase=None,
        last_purchase=None,
        as_of=None,
    )
    return calibration, history.monthly_revenue[:, cut:].sum(axis=1)


@dataclass(frozen=True)
class ForecastAccuracy:
    """Out-of-sample quality of one forecast against what the accounts actually bought."""

    spearman: float  # rank correlation of forecast and actual revenue
    top_decile_precision: float  # share of the forecast top 10 % that are in the actual top 10 %
    total_absolute_error: float  # Σ|forecast − actual| / Σ actual
    total_bias: float  # (Σ forecast − Σ actual) / Σ actual


@dataclass(frozen=True)
class BacktestReport:
    model: ForecastAccuracy
    naive: ForecastAccuracy


def forecast_accuracy(
    forecast: ArrayLike, actual: ArrayLike, *, top_share: float = 0.10
) -> ForecastAccuracy:
    """Compare a forecast with the actual outcome on rank, top accounts and totals."""
    predicted = as_float_vector(forecast, "forecast")
    outcome = as_float_vector(actual, "actual")
    if len(predicted) != len(outcome) or outcome.sum() <= 0:
        raise AnalyticsInputError("forecast and actual need equal length and a positive total")
    top = max(1, int(np.ceil(top_share * len(outcome))))
    predicted_top = set(np.argsort(-predicted, kind="stable")[:top].tolist())
    actual_top = set(np.argsort(-outcome, kind="stable")[:top].tolist())
    total = outcome.sum()
    return ForecastAccuracy(
        spearman=float(spearmanr(predicted, outcome).statistic),
        top_decile_precision=len(predicted_top & actual_top) / top,
        total_absolute_error=float(np.abs(predicted - outcome).sum() / total),
        total_bias=float((predicted.sum() - total) / total),
    )


def backtest(
    forecaster: Callable[[AccountHistory], FloatArray],
    calibration: AccountHistory,
    actual: ArrayLike,
    *,
    top_share: float = 0.10,
) -> BacktestReport:
    """Score `forecaster` and the naive forecast on the same calibration data and outcome."""
    return BacktestReport(
        model=forecast_accuracy(forecaster(calibration), actual, top_share=top_share),
        naive=forecast_accuracy(naive_forecast(calibration), actual, top_share=top_share),
    )


BAND_MONTHS = 24
LEVEL_UNCERTAINTY = 0.5


def forecast_band(
    history: AccountHistory, expected: ArrayLike, *, coverage: float = 0.8
) -> tuple[FloatArray, FloatArray]:
    """An uncertainty band around a 12-month forecast: (low, high) per account.

    Two sources of error add up: the account's own month-to-month variation over the last two
    years (standard deviation × √12, months taken as independent) and the uncertainty of its
    level itself, taken as LEVEL_UNCERTAINTY of the forecast. The band is the central
    `coverage` of a normal distribution with that spread around the forecast, cut at zero. It
    is approximate: on simulated B2B portfolios an 80 % band holds about 70–75 % of the
    outcomes, because churn and sudden starts are not normal errors (tested).
    """
    if not 0 < coverage < 1:
        raise AnalyticsInputError("coverage must lie strictly between 0 and 1")
    forecast = as_float_vector(expected, "expected")
    recent = history.monthly_revenue[:, -BAND_MONTHS:]
    if recent.shape[1] < 3:
        noise = np.zeros(len(forecast))
    else:
        noise = recent.std(axis=1, ddof=1) * np.sqrt(HORIZON_MONTHS)
    spread = np.sqrt(noise**2 + (LEVEL_UNCERTAINTY * forecast) ** 2)
    z = float(norm.ppf(0.5 + coverage / 2))
    return np.clip(forecast - z * spread, 0, None), forecast + z * spread
