"""kam_analytics: the pure numpy/scipy analytics of kam. No Django import anywhere below here.

Inputs are plain arrays, one entry per account (or accounts × months). Money arrays are float64
in EUR by convention; every function is linear in its money unit, so integer cents work too and
come back in cents. Shares, scores and probabilities are floats. Outputs are frozen dataclasses
and numpy arrays. Errors are ValueErrors: AnalyticsInputError for malformed input,
ModelNotApplicableError where a model cannot describe the data.

Importing the package imports none of its modules: each name below is imported from its module
on first use (PEP 562), so that a `kam` command that needs one of them (the sales import, a
worker) does not pay for scipy.stats and the forecast models at its start (0.7 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kam_analytics.abc_xyz import AbcXyzMatrix, abc_classes, abc_xyz_matrix, xyz_classes
    from kam_analytics.clv import (
        BgNbdFit,
        GammaGammaFit,
        conditional_expected_average_spend,
        conditional_expected_transactions,
        customer_lifetime_value,
        fit_bgnbd,
        fit_gamma_gamma,
        probability_alive,
    )
    from kam_analytics.concentration import (
        ConcentrationSummary,
        DependencyAlert,
        LossScenario,
        concentration_summary,
        dependency_alerts,
        gini_coefficient,
        herfindahl_index,
        lorenz_curve,
        loss_scenario,
        shares,
        top_share,
    )
    from kam_analytics.errors import AnalyticsInputError, ModelNotApplicableError
    from kam_analytics.forecast import (
        AccountHistory,
        BacktestReport,
        ForecastAccuracy,
        RevenueForecast,
        account_history,
        backtest,
        calibrated_band,
        forecast_band,
        forecast_revenue,
        naive_forecast,
        split_history,
    )
    from kam_analytics.rfm import RfmScores, rfm_scores
    from kam_analytics.scoring import (
        KeyAccountScores,
        PortfolioMatrix,
        QualificationRules,
        StatusProposal,
        key_account_scores,
        portfolio_matrix,
        propose_status,
        proposed_statuses,
    )

#: Where each public name lives.
_HOMES = {
    "AbcXyzMatrix": "kam_analytics.abc_xyz",
    "AccountHistory": "kam_analytics.forecast",
    "AnalyticsInputError": "kam_analytics.errors",
    "BacktestReport": "kam_analytics.forecast",
    "BgNbdFit": "kam_analytics.clv",
    "ConcentrationSummary": "kam_analytics.concentration",
    "DependencyAlert": "kam_analytics.concentration",
    "ForecastAccuracy": "kam_analytics.forecast",
    "GammaGammaFit": "kam_analytics.clv",
    "KeyAccountScores": "kam_analytics.scoring",
    "LossScenario": "kam_analytics.concentration",
    "ModelNotApplicableError": "kam_analytics.errors",
    "PortfolioMatrix": "kam_analytics.scoring",
    "QualificationRules": "kam_analytics.scoring",
    "RevenueForecast": "kam_analytics.forecast",
    "RfmScores": "kam_analytics.rfm",
    "StatusProposal": "kam_analytics.scoring",
    "abc_classes": "kam_analytics.abc_xyz",
    "abc_xyz_matrix": "kam_analytics.abc_xyz",
    "account_history": "kam_analytics.forecast",
    "backtest": "kam_analytics.forecast",
    "calibrated_band": "kam_analytics.forecast",
    "concentration_summary": "kam_analytics.concentration",
    "conditional_expected_average_spend": "kam_analytics.clv",
    "conditional_expected_transactions": "kam_analytics.clv",
    "customer_lifetime_value": "kam_analytics.clv",
    "dependency_alerts": "kam_analytics.concentration",
    "fit_bgnbd": "kam_analytics.clv",
    "fit_gamma_gamma": "kam_analytics.clv",
    "forecast_band": "kam_analytics.forecast",
    "forecast_revenue": "kam_analytics.forecast",
    "gini_coefficient": "kam_analytics.concentration",
    "herfindahl_index": "kam_analytics.concentration",
    "key_account_scores": "kam_analytics.scoring",
    "lorenz_curve": "kam_analytics.concentration",
    "loss_scenario": "kam_analytics.concentration",
    "naive_forecast": "kam_analytics.forecast",
    "portfolio_matrix": "kam_analytics.scoring",
    "probability_alive": "kam_analytics.clv",
    "propose_status": "kam_analytics.scoring",
    "proposed_statuses": "kam_analytics.scoring",
    "rfm_scores": "kam_analytics.rfm",
    "shares": "kam_analytics.concentration",
    "split_history": "kam_analytics.forecast",
    "top_share": "kam_analytics.concentration",
    "xyz_classes": "kam_analytics.abc_xyz",
}


def __getattr__(name: str) -> Any:
    try:
        home = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "AbcXyzMatrix",
    "AccountHistory",
    "AnalyticsInputError",
    "BacktestReport",
    "BgNbdFit",
    "ConcentrationSummary",
    "DependencyAlert",
    "ForecastAccuracy",
    "GammaGammaFit",
    "KeyAccountScores",
    "LossScenario",
    "ModelNotApplicableError",
    "PortfolioMatrix",
    "QualificationRules",
    "RevenueForecast",
    "RfmScores",
    "StatusProposal",
    "abc_classes",
    "abc_xyz_matrix",
    "account_history",
    "backtest",
    "concentration_summary",
    "conditional_expected_average_spend",
    "conditional_expected_transactions",
    "customer_lifetime_value",
    "dependency_alerts",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "calibrated_band",
    "forecast_band",
    "forecast_revenue",
    "gini_coefficient",
    "herfindahl_index",
    "key_account_scores",
    "loss_scenario",
    "lorenz_curve",
    "naive_forecast",
    "portfolio_matrix",
    "probability_alive",
    "propose_status",
    "proposed_statuses",
    "rfm_scores",
    "shares",
    "split_history",
    "top_share",
    "xyz_classes",
]
