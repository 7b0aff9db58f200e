from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import StyledForm
from kam.users.models import TokenScope
from kam.users.services import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS


class AccessTokenForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. ERP export.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        initial=TOKEN_DEFAULT_DAYS,
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
    )
