from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import KeyAccountStatus
from kam.profitability.models import CostRates

MONTH_FORMATS = ["%Y-%m", "%m/%Y", "%m.%Y", "%Y-%m-%d", "%d.%m.%Y"]


class MonthField(forms.DateField):
    """A month, stored as its first day: "2026-07" from the month picker, or "07/2026"."""

    widget = forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m")
    input_formats = MONTH_FORMATS
    default_error_messages = {"invalid": _("Enter a month such as 07/2026.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


DURATIONS = (
    "visit_minutes",
    "visit_travel_minutes",
    "phone_minutes",
    "video_minutes",
    "meeting_minutes",
    "presentation_minutes",
    "email_minutes",
    "offer_preparation_minutes",
)
HOURLY_RATES = (
    "hourly_rate_kam",
    "hourly_rate_field",
    "hourly_rate_service",
    "hourly_rate_specialist",
)
COMPLAINTS = ("complaint_low", "complaint_medium", "complaint_high", "complaint_critical")
LOGISTICS = ("invoice_handling", "line_logistics")


class CostRatesForm(forms.ModelForm):
    valid_from = MonthField(label=_("Valid from (month)"))
    valid_until = MonthField(
        label=_("Valid until (month)"), required=False, help_text=_("Empty: without an end.")
    )

    class Meta:
        model = CostRates
        fields = ["valid_from", "valid_until", *DURATIONS, *HOURLY_RATES, *COMPLAINTS, *LOGISTICS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("valid_from", "valid_until"):
                field.widget.attrs.update({"class": "form-control", "inputmode": "decimal"})

    def groups(self) -> list[tuple[object, list]]:
        return [
            (_("Validity"), [self["valid_from"], self["valid_until"]]),
            (_("Standard duration per contact (minutes)"), [self[n] for n in DURATIONS]),
            (_("Hourly rate per role (EUR)"), [self[n] for n in HOURLY_RATES]),
            (_("Handling cost per complaint (EUR)"), [self[n] for n in COMPLAINTS]),
            (_("Logistics and handling (EUR, optional)"), [self[n] for n in LOGISTICS]),
        ]


class EntitlementForm(forms.Form):
    """The share of DB I care may cost, per account class."""

    def __init__(self, *args, shares: dict[str, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        for status, label in KeyAccountStatus.choices:
            self.fields[status] = forms.DecimalField(
                label=label,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
                initial=shares.get(status, Decimal("0")),
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
                error_messages={
                    "max_value": _("A share lies between 0 and 100 %."),
                    "min_value": _("A share lies between 0 and 100 %."),
                },
            )

    def shares(self) -> dict[str, Decimal]:
        return dict(self.cleaned_data)
