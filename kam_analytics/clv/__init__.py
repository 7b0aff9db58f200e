"""Customer lifetime value: BG/NBD purchase model, Gamma-Gamma spend model, discounted CLV.

Fitted by maximum likelihood with analytic gradients on weighted unique rows. Every function
refuses, with an AnalyticsInputError or ModelNotApplicableError (both ValueErrors), inputs that
are malformed or that the model cannot describe.
"""

from kam_analytics.clv.bgnbd import (
    BgNbdFit,
    conditional_expected_transactions,
    fit_bgnbd,
    probability_alive,
)
from kam_analytics.clv.gamma_gamma import (
    GammaGammaFit,
    conditional_expected_average_spend,
    fit_gamma_gamma,
)
from kam_analytics.clv.value import MONTHLY_DISCOUNT_RATE, WEEKS_PER_MONTH, customer_lifetime_value

__all__ = [
    "MONTHLY_DISCOUNT_RATE",
    "WEEKS_PER_MONTH",
    "BgNbdFit",
    "GammaGammaFit",
    "conditional_expected_average_spend",
    "conditional_expected_transactions",
    "customer_lifetime_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "probability_alive",
]
