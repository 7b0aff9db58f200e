from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfitabilityConfig(AppConfig):
    name = "kam.profitability"
    label = "profitability"
    verbose_name = _("Account profitability")
