from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, KeyAccountStatus
from kam.complaints.models import (
    HANDLING_HOURS_RANGE,
    MAX_HANDLING_HOURS,
    Complaint,
    ComplaintCategory,
    RootCause,
    Severity,
    SlaOverride,
    SlaTemplate,
)
from kam.complaints.services import COMPLAINT_FIELDS, RESOLUTION_FIELDS
from kam.complaints.validators import MAX_ATTACHMENT_BYTES, validate_attachment
from kam.core.forms import StyledForm
from kam.core.permissions import users_who_can_own_complaints
from kam.sales.reading.numbers import NumberError, detect_number_style, parse_decimal
from kam.search.widgets import Picker


class MoneyField(forms.DecimalField):
    """Euro amounts as Germans and browsers type them: 1.234,50 or 1234.50 (and a € sign)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value):
        """With both separators the last one is the decimal one; with one kind only, it groups
        thousands where it stands before groups of three digits and is the reader's grouping
        separator, or repeats (de: 1.000 and 1.234.567; en: 1,000), else it is the decimal
        separator (de: 1,5 and a browser's 2.5): the import's reading of a number, with the
        reader's language deciding what a file's other values would."""
        text = str(value or "").replace("€", "").replace(" ", "").strip()
        if text in self.empty_values:
            return None
        reader = "de" if (translation.get_language() or "de").startswith("de") else "en"
        try:
            return parse_decimal(text, detect_number_style([text], default=reader))
        except NumberError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return number_format(value, 2, force_grouping=True)
        return value


def _handling_hours() -> MoneyField:
    """Hours booked on the complaint (2,5 or 2.5); the limits worded in the business's terms."""
    out_of_range = HANDLING_HOURS_RANGE
    return MoneyField(
        label=_("Handling effort (hours)"),
        required=False,
        min_value=0,
        max_value=MAX_HANDLING_HOURS,
        max_digits=6,
        decimal_places=2,
        help_text=Complaint._meta.get_field("handling_hours").help_text,
        error_messages={
            "invalid": _("Enter the handling effort as a number of hours, e.g. 2,5."),
            "min_value": out_of_range,
            "max_value": out_of_range,
            "max_digits": out_of_range,
            "max_whole_digits": out_of_range,
            "max_decimal_places": _("Book the handling effort to at most two decimal places."),
        },
    )


def _owners() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Owner"),
        queryset=users_who_can_own_complaints(),
        required=False,
        help_text=_("Customer service or the key account manager."),
        widget=Picker(url="search:pick_users", params={"list": "can_own_complaints"}),
    )


class AccountChoiceForm(StyledForm, forms.Form):
    """The first step of recording a complaint from the list: which customer?"""

    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=Account.objects.none(),
        widget=Picker(url="search:pick_accounts", placeholder=_("Name, customer number or city …")),
    )

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["account"])
        field.queryset = accounts.order_by("name")


class ComplaintForm(StyledForm, forms.ModelForm):
    affected_value = MoneyField(
        label=_("Affected value (EUR)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )

    class Meta:
        model = Complaint
        fields = list(COMPLAINT_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "requested_remedy": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owners()
        if self.instance.pk:
            self.fields["owner"].initial = self.instance.owner_id
        stakeholder = cast(forms.ModelChoiceField, self.fields["stakeholder"])
        stakeholder.queryset = account.stakeholders.all()
        stakeholder.widget = Picker(url="search:pick_stakeholders", params={"account": account.pk})
        stakeholder.widget.choices = stakeholder.choices
        categories = ComplaintCategory.objects.filter(active=True)
        if self.instance.pk:
            categories = categories | ComplaintCategory.objects.filter(pk=self.instance.category_id)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories

    def complaint_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in COMPLAINT_FIELDS}


class ResolutionForm(StyledForm, forms.ModelForm):
    """The resolution and the root cause: what closing a complaint needs."""

    goodwill_amount = MoneyField(
        label=_("Goodwill amount (EUR)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    handling_hours = _handling_hours()

    class Meta:
        model = Complaint
        fields = list(RESOLUTION_FIELDS)
        widgets = {
            "remedy_given": forms.Textarea(attrs={"rows": 2}),
            "root_cause_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        causes = RootCause.objects.filter(active=True)
        if self.instance.root_cause_id:
            causes = causes | RootCause.objects.filter(pk=self.instance.root_cause_id)
        cast(forms.ModelChoiceField, self.fields["root_cause"]).queryset = causes

    def resolution_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in RESOLUTION_FIELDS}


class ComplaintEditForm(ComplaintForm):
    """Editing after recording: the complaint and, once known, its resolution."""

    goodwill_amount = MoneyField(
        label=_("Goodwill amount (EUR)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    handling_hours = _handling_hours()

    class Meta(ComplaintForm.Meta):
        fields = [*COMPLAINT_FIELDS, *RESOLUTION_FIELDS]
        widgets = {**ComplaintForm.Meta.widgets, **ResolutionForm.Meta.widgets}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        causes = RootCause.objects.filter(active=True)
        if self.instance.root_cause_id:
            causes = causes | RootCause.objects.filter(pk=self.instance.root_cause_id)
        cast(forms.ModelChoiceField, self.fields["root_cause"]).queryset = causes

    def complaint_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttachmentForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, PNG, JPG, XLSX, DOCX, MSG, EML or TXT; at most %(mb)s MB.")
        % {"mb": MAX_ATTACHMENT_BYTES // 1024 // 1024},
        validators=[validate_attachment],
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)


def sla_field_name(kind: str, status: str, severity: str) -> str:
    return f"{kind}_{status}_{severity}"


class SlaGridForm(StyledForm, forms.Form):
    """The company SLA: business hours to acknowledge and to resolve per class and severity."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = {(t.account_status, t.severity): t for t in SlaTemplate.objects.all()}
        for status, status_label in KeyAccountStatus.choices:
            for severity, severity_label in Severity.choices:
                template = current.get((status, severity))
                for kind, initial in (
                    ("ack", template.acknowledge_hours if template else None),
                    ("res", template.resolve_hours if template else None),
                ):
                    self.fields[sla_field_name(kind, status, severity)] = forms.IntegerField(
                        label=f"{status_label} · {severity_label}",
                        min_value=1,
                        max_value=2000,
                        initial=initial,
                        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
                    )

    def rows(self) -> list[dict]:
        return [
            {
                "status": status_label,
                "cells": [
                    (
                        severity_label,
                        self[sla_field_name("ack", status, severity)],
                        self[sla_field_name("res", status, severity)],
                    )
                    for severity, severity_label in Severity.choices
                ],
            }
            for status, status_label in KeyAccountStatus.choices
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        for status in KeyAccountStatus.values:
            for severity in Severity.values:
                ack = data.get(sla_field_name("ack", status, severity))
                res = data.get(sla_field_name("res", status, severity))
                if ack and res and ack > res:
                    self.add_error(
                        sla_field_name("res", status, severity),
                        _("The resolution time cannot be shorter than the acknowledgement time."),
                    )
        return data

    def values(self) -> dict[tuple[str, str], tuple[int, int]]:
        data = self.cleaned_data
        return {
            (status, severity): (
                data[sla_field_name("ack", status, severity)],
                data[sla_field_name("res", status, severity)],
            )
            for status in KeyAccountStatus.values
            for severity in Severity.values
        }


class SlaOverrideForm(StyledForm, forms.ModelForm):
    customer_number = forms.CharField(label=_("Customer number"), max_length=40)

    class Meta:
        model = SlaOverride
        fields = ["severity", "acknowledge_hours", "resolve_hours", "note"]

    def __init__(self, *args, accounts, **kwargs) -> None:
        self.accounts = accounts
        super().__init__(*args, **kwargs)
        self.order_fields(["customer_number", *self.Meta.fields])

    def clean_customer_number(self) -> Account:
        number = self.cleaned_data["customer_number"].strip()
        account = self.accounts.filter(customer_number=number).first()
        if account is None:
            raise forms.ValidationError(
                _("There is no visible account with the number %(number)s."),
                params={"number": number},
            )
        self.instance.account = account
        return account


class SatisfactionForm(StyledForm, forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with how we resolved your complaint?"),
        choices=[("yes", _("Yes, satisfied")), ("no", _("No, not satisfied"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TaxonomyEntryForm(StyledForm, forms.ModelForm):
    """A complaint category or root cause: its name, place in the lists and whether it is
    offered for new complaints."""

    class Meta:
        fields = ["name", "position", "active"]
        # "Position" means a stakeholder's job in the accounts catalogue, which comes first.
        labels = {"position": _("Order in lists")}
        help_texts = {
            "position": _("Lists show smaller numbers first."),
            "active": _("Inactive entries are not offered for new complaints."),
        }


def taxonomy_entry_form(model: type, *, new: bool = False) -> type[TaxonomyEntryForm]:
    """The entry form for one of the lists (kam.complaints.services.TAXONOMIES); a new entry
    is active."""
    fields = ["name", "position"] if new else TaxonomyEntryForm.Meta.fields
    return cast(
        type[TaxonomyEntryForm],
        forms.modelform_factory(model, form=TaxonomyEntryForm, fields=fields),
    )
