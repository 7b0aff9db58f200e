"""kam_analytics: the pure numpy/scipy analytics of kam. No Django import anywhere below here.

Inputs are plain arrays, one entry per account (or accounts × months). Money arrays are float64
in EUR by convention; every function is linear in its money unit, so integer cents work too and
come back in cents. Shares, scores and probabilities are floats. Outputs are frozen dataclasses
and numpy arrays. Errors are ValueErrors: AnalyticsInputError for malformed input,
ModelNotApplicableError where a model cannot describe the data.
"""

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
