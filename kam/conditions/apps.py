from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConditionsConfig(AppConfig):
    name = "kam.conditions"
    label = "conditions"
    verbose_name = _("Conditions and offers")
