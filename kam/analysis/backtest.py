"""`kam backtest`: the forecast against what happened, calibrated before a cutoff date only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from django.utils.translation import gettext as _

from kam.analysis.engine import history_in_euros
from kam.analysis.facts import latest_fact_month, load_facts
from kam.sales.figures import last_complete_month, month_from_index, month_index
from kam_analytics import (
    AnalyticsInputError,
    BacktestReport,
    ModelNotApplicableError,
    backtest,
    forecast_revenue,
    naive_forecast,
)
from kam_analytics.forecast import HORIZON_MONTHS, AccountHistory, forecast_accuracy, split_history


class BacktestError(ValueError):
    """The data cannot support the requested backtest; the (translated) message says why."""


@dataclass(frozen=True)
class BacktestOutcome:
    cutoff: date
    calibration_end: date  # last calibration month
    holdout_end: date  # last month compared
    accounts: int
    report: BacktestReport


def _known_at_cutoff(calibration: AccountHistory, actual: np.ndarray):
    """Accounts that bought before the cutoff: newcomers after it cannot be forecast by anyone."""
    known = calibration.monthly_purchase_days.sum(axis=1) > 0
    margin = calibration.monthly_margin
    return (
        replace(
            calibration,
            monthly_revenue=calibration.monthly_revenue[known],
            monthly_purchase_days=calibration.monthly_purchase_days[known],
            monthly_margin=None if margin is None else margin[known],
        ),
        actual[known],
    )


def _model_forecast(history: AccountHistory) -> np.ndarray:
    return forecast_revenue(history).expected_revenue


def run_backtest(*, cutoff: date, horizon_months: int = HORIZON_MONTHS) -> BacktestOutcome:
    """Calibrate on the months before `cutoff`, compare with the `horizon_months` after it."""
    calibration_end = last_complete_month(cutoff - timedelta(days=1))
    holdout_end = month_from_index(month_index(calibration_end) + horizon_months)
    latest = latest_fact_month()
    if latest is None or latest < holdout_end:
        raise BacktestError(
            _("there are no sales up to %(month)s yet.") % {"month": holdout_end.strftime("%Y-%m")}
        )
    history = history_in_euros(load_facts(holdout_end))
    calibration, actual = _known_at_cutoff(*split_history(history, horizon_months))
    if len(actual) < 2 or actual.sum() <= 0:
        raise BacktestError(_("it needs at least two accounts with sales on both sides."))
    try:
        report = _report(calibration, actual, horizon_months)
    except (AnalyticsInputError, ModelNotApplicableError) as error:
        raise BacktestError(str(error)) from error
    return BacktestOutcome(cutoff, calibration_end, holdout_end, len(actual), report)


def _report(calibration: AccountHistory, actual: np.ndarray, horizon_months: int):
    if horizon_months == HORIZON_MONTHS:
        return backtest(_model_forecast, calibration, actual)
    else:  # the forecasts cover 12 months: scale them to the horizon for a fair comparison
        scale = horizon_months / HORIZON_MONTHS
        return BacktestReport(
            model=forecast_accuracy(_model_forecast(calibration) * scale, actual),
            naive=forecast_accuracy(naive_forecast(calibration) * scale, actual),
        )
