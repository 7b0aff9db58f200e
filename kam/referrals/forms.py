from datetime import date
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder
from kam.accounts.selectors import accounts_visible_to
from kam.core.forms import StyledForm
from kam.referrals.models import (
    TRANSITIONS,
    Competitor,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceType,
    ReferralChannel,
    ReferralStatus,
    WhitespaceCell,
)


def _plausible(day: date) -> date:
    if day.year < 1990:
        raise forms.ValidationError(_("Please enter a date from 1990 on."))
    if day > timezone.localdate():
        raise forms.ValidationError(_("The date must not lie in the future."))
    return day


class ReferralForm(StyledForm, forms.Form):
    """A referral the account gave: an existing customer (by number) or a new prospect."""

    referred_number = forms.CharField(
        label=_("Referred customer (customer number)"),
        required=False,
        help_text=_("For a company that is already our customer; else fill in the prospect below."),
    )
    prospect_name = forms.CharField(
        label=_("New prospect: company name"), required=False, max_length=200
    )
    prospect_city = forms.CharField(label=_("City"), required=False, max_length=100)
    prospect_number = forms.CharField(
        label=_("Customer number in the ERP (if known)"), required=False, max_length=40
    )
    contact_first_name = forms.CharField(
        label=_("Contact: first name"), required=False, max_length=100
    )
    contact_last_name = forms.CharField(
        label=_("Contact: last name"), required=False, max_length=100
    )
    contact_email = forms.EmailField(label=_("Contact: e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact: phone"), required=False, max_length=50)
    referring_stakeholder = forms.ModelChoiceField(
        label=_("Referred by (person)"), queryset=Stakeholder.objects.none(), required=False
    )
    received_on = forms.DateField(label=_("Received on"))
    channel = forms.ChoiceField(label=_("Channel"), choices=ReferralChannel.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, account: Account, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account, self.user = account, user
        field = cast(forms.ModelChoiceField, self.fields["referring_stakeholder"])
        field.queryset = account.stakeholders.order_by("last_name", "first_name")
        self.fields["received_on"].widget = forms.DateInput(
            attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
        )

    def clean_received_on(self) -> date:
        return _plausible(self.cleaned_data["received_on"])

    def clean_referred_number(self) -> Account | None:
        number = self.cleaned_data["referred_number"].strip()
        if not number:
            return None
        referred = accounts_visible_to(self.user).filter(customer_number=number).first()
        if referred is None:
            raise forms.ValidationError(
                _("There is no visible account with the number %(number)s."),
                params={"number": number},
            )
        if referred.pk == self.account.pk:
            raise forms.ValidationError(_("An account cannot refer itself."))
        return referred

    def clean(self) -> dict:
        data = super().clean() or {}
        has_existing = bool(data.get("referred_number"))
        has_prospect = bool((data.get("prospect_name") or "").strip())
        if has_existing == has_prospect and not self.errors:
            raise forms.ValidationError(
                _("Give either the number of an existing customer or the name of a new prospect.")
            )
        number = (data.get("prospect_number") or "").strip()
        if has_prospect and number and Account.objects.filter(customer_number=number).exists():
            self.add_error(
                "prospect_number",
                _("An account with this number exists already: enter it as referred customer."),
            )
        return data

    def contact(self) -> dict:
        return {
            "first_name": self.cleaned_data["contact_first_name"],
            "last_name": self.cleaned_data["contact_last_name"],
            "email": self.cleaned_data["contact_email"],
            "phone": self.cleaned_data["contact_phone"],
        }


class ReferralStatusForm(StyledForm, forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=())
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    customer_number = forms.CharField(
        label=_("Customer number in the ERP"),
        required=False,
        max_length=40,
        help_text=_("When the prospect became a customer: its number, so its sales count."),
    )

    def __init__(self, *args, status: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        moves = [(s, ReferralStatus(s).label) for s in TRANSITIONS.get(status, ())]
        cast(forms.ChoiceField, self.fields["to_status"]).choices = moves
        self.has_moves = bool(moves)


class ReferenceProfileForm(StyledForm, forms.ModelForm):
    class Meta:
        model = ReferenceProfile
        fields = [
            "permits_logo",
            "permits_case_study",
            "permits_call",
            "permits_visit",
            "permits_press",
            "stakeholders",
            "valid_until",
            "max_uses_per_quarter",
            "notes",
        ]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "stakeholders": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.account = account
        field = cast(forms.ModelMultipleChoiceField, self.fields["stakeholders"])
        field.queryset = account.stakeholders.order_by("last_name", "first_name")
        field.widget.attrs["class"] = ""


class ReferenceRequestForm(StyledForm, forms.ModelForm):
    confirm = forms.BooleanField(
        label=_("Ask anyway, despite the warnings"), required=False, widget=forms.CheckboxInput
    )

    class Meta:
        model = ReferenceRequest
        fields = ["prospect", "kind", "requested_on", "outcome", "feedback"]
        widgets = {
            "requested_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "feedback": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_requested_on(self) -> date:
        return _plausible(self.cleaned_data["requested_on"])


class ReferenceSearchForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("any type")), *ReferenceType.choices], required=False
    )
    industry = forms.CharField(label=_("Industry"), required=False, max_length=100)
    region = forms.CharField(
        label=_("Postal region"),
        required=False,
        max_length=5,
        help_text=_("The first digits of the postal code, e.g. 5 or 50."),
    )

    def clean_region(self) -> str:
        region = self.cleaned_data["region"].strip()
        if region and not region.isdigit():
            raise forms.ValidationError(_("Please enter digits only."))
        return region


class WhitespaceCellForm(StyledForm, forms.ModelForm):
    class Meta:
        model = WhitespaceCell
        fields = [
            "potential_estimate",
            "estimate_note",
            "competitor",
            "competitor_share",
            "contract_end",
            "blocked_reason",
            "blocked_until",
        ]
        widgets = {
            "contract_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "blocked_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["competitor"])
        field.queryset = Competitor.objects.filter(active=True)


class CompetitorForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["name", "website", "strengths", "weaknesses", "active"]
        widgets = {
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "weaknesses": forms.Textarea(attrs={"rows": 3}),
        }
