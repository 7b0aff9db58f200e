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


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    status = forms.MultipleChoiceField(
        label=_("Key account status"), required=False, widget=forms.CheckboxSelectMultiple
    )
    abc = forms.MultipleChoiceField(
        label=_("ABC class (revenue)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tier = forms.MultipleChoiceField(label=_("Tier"), required=False)
    industry = forms.MultipleChoiceField(label=_("Industry"), required=False)
    owner = forms.MultipleChoiceField(label=_("Key account manager"), required=False)
    group = forms.TypedChoiceField(
        label=_("Group (parent company and its members)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    region = forms.CharField(
        label=_("Postal code regions"),
        required=False,
        max_length=200,
        help_text=_("Beginnings of postal codes, separated by commas, e.g. 80, 81, 9"),
    )
    country = forms.CharField(
        label=_("Countries"), required=False, max_length=100, help_text=_("e.g. DE, AT, CH")
    )
    buying_role = forms.MultipleChoiceField(
        label=_("Buying-centre role"), required=False, widget=forms.CheckboxSelectMultiple
    )
    attitude = forms.MultipleChoiceField(
        label=_("Attitude towards us"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        from kam.accounts.models import Attitude, BuyingRole, KeyAccountStatus
        from kam.analysis.models import AbcClass

        fields = self.fields
        fields["status"].choices = KeyAccountStatus.choices  # type: ignore[attr-defined]
        fields["abc"].choices = AbcClass.choices  # type: ignore[attr-defined]
        fields["tier"].choices = [(t, t) for t in choices["tiers"]]  # type: ignore[attr-defined]
        fields["industry"].choices = [(i, i) for i in choices["industries"]]  # type: ignore[attr-defined]
        owners = [(str(u.pk), u.get_full_name() or u.username) for u in choices["owners"]]
        fields["owner"].choices = owners  # type: ignore[attr-defined]
        groups = [("", "–"), *((a.pk, str(a)) for a in choices["groups"])]
        fields["group"].choices = groups  # type: ignore[attr-defined]
        fields["buying_role"].choices = BuyingRole.choices  # type: ignore[attr-defined]
        fields["attitude"].choices = Attitude.choices  # type: ignore[attr-defined]

    def clean_region(self) -> list[str]:
        prefixes = _split(self.cleaned_data["region"])
        if any(not p.isalnum() or len(p) > 10 for p in prefixes):
            raise forms.ValidationError(_("Enter beginnings of postal codes such as 80 or 9."))
        return prefixes

    def clean_country(self) -> list[str]:
        countries = [c.upper() for c in _split(self.cleaned_data["country"])]
        if any(len(c) != 2 or not c.isalpha() for c in countries):
            raise forms.ValidationError(_("Enter two-letter country codes such as DE, AT, CH."))
        return countries

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "name" and v not in (None, [])}

    @classmethod
    def initial_from(cls, segment) -> dict:
        filters = dict(segment.filters)
        for key in ("region", "country"):
            filters[key] = ", ".join(filters.get(key, []))
        return {"name": segment.name, **filters}


class MailingForm(forms.ModelForm):
    class Meta:
        from kam.campaigns.models import Mailing

        model = Mailing
        fields = [
            "title",
            "purpose",
            "segment",
            "subject",
            "body",
            "attachment",
            "send_at",
            "repeat_yearly",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "send_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        help_texts = {
            "body": _(
                "Placeholders: {vorname}, {nachname}, {name}, {position}, {firma}, "
                "{kundennummer}, {betreuer}, {betreuer_email}"
            ),
            "send_at": _("Empty: right after the confirmation."),
        }

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments  # type: ignore[attr-defined]

    def clean(self):
        from datetime import timedelta

        from django.utils import timezone

        from kam.campaigns.templating import unknown_placeholders

        data = super().clean()
        unknown = unknown_placeholders(f"{data.get('subject', '')} {data.get('body', '')}")
        if unknown:
            names = ", ".join("{" + name + "}" for name in unknown)
            self.add_error("body", _("Unknown placeholders: %(names)s") % {"names": names})
        send_at = data.get("send_at")
        now = timezone.now()
        if send_at and not (now - timedelta(days=1) <= send_at <= now + timedelta(days=2 * 366)):
            self.add_error("send_at", _("Choose a time between today and two years from now."))
        if data.get("repeat_yearly") and not send_at:
            self.add_error("send_at", _("A yearly mailing needs its date."))
        return data


class EventForm(forms.ModelForm):
    class Meta:
        from kam.campaigns.models import Event

        model = Event
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "segment",
        ]
        local = {"type": "datetime-local"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments  # type: ignore[attr-defined]

    def clean(self):
        from datetime import timedelta

        from django.utils import timezone

        data = super().clean()
        starts = data.get("starts_at")
        if starts and not self.instance.pk and starts < timezone.now():
            self.add_error("starts_at", _("A new event cannot start in the past."))
        if starts and starts > timezone.now() + timedelta(days=3 * 366):
            self.add_error("starts_at", _("Choose a date within the next three years."))
        return data


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("yes", _("Yes, I will come")), ("no", _("No, I cannot come"))],
        widget=forms.RadioSelect,
    )
    companions = forms.IntegerField(label=_("Companions"), min_value=0, max_value=5, initial=0)
