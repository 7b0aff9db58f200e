from django import forms
from django.utils.translation import gettext_lazy as _

from kam.campaigns.models import CaptureMethod, Channel, LegalBasis, Purpose

RECORDABLE_METHODS = [
    (value, label)
    for value, label in CaptureMethod.choices
    if value not in {CaptureMethod.DOI, CaptureMethod.UNSUBSCRIBE}
]


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    method = forms.ChoiceField(label=_("How was it given?"), choices=RECORDABLE_METHODS)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)
    address_from_sale = forms.BooleanField(
        label=_("Address obtained in connection with a sale"), required=False
    )
    similar_goods = forms.BooleanField(label=_("Only for our own similar goods"), required=False)
    informed_of_objection = forms.BooleanField(
        label=_("Informed of the right to object at collection and with every mail"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("method") == CaptureMethod.MANAGER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say how and when the consent was given."))
        if data.get("legal_basis") == LegalBasis.EXISTING_CUSTOMER and data.get("channel") != (
            Channel.EMAIL
        ):
            self.add_error("legal_basis", _("The existing-customer exception is for e-mail only."))
        return data


class WithdrawForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class WordingForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    text = forms.CharField(label=_("Wording"), max_length=5000, widget=forms.Textarea)
