from django import forms
from django.utils.translation import gettext_lazy as _

from kam.analysis.models import AccountRating, AnalysisSettings
from kam.core.forms import StyledForm

RATING_CHOICES = [
    ("", _("not rated")),
    (1, _("1 – very low")),
    (2, _("2 – low")),
    (3, _("3 – medium")),
    (4, _("4 – high")),
    (5, _("5 – very high")),
]


class AnalysisSettingsForm(StyledForm, forms.ModelForm):
    class Meta:
        model = AnalysisSettings
        fields = [
            "abc_a_limit",
            "abc_b_limit",
            "xyz_x_limit",
            "xyz_y_limit",
            "dependency_revenue",
            "dependency_margin",
            "dependency_top5",
            *(f"weight_{name}" for name in AnalysisSettings.CRITERIA),
        ]


class AccountRatingForm(StyledForm, forms.ModelForm):
    """The team's ratings 1–5; "not rated" leaves the criterion out of the score."""

    class Meta:
        model = AccountRating
        fields = list(AccountRating.RATED_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in AccountRating.RATED_FIELDS:
            field = self.fields[name]
            self.fields[name] = forms.TypedChoiceField(
                label=field.label,
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def rating_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in AccountRating.RATED_FIELDS}
