from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder
from kam.complaints.forms import MoneyField
from kam.conditions.models import (
    Agreement,
    AuthorityRule,
    LineKind,
    Offer,
    Product,
    ProductGroup,
)
from kam.conditions.services import AGREEMENT_FIELDS
from kam.core.forms import StyledForm
from kam.sales.reading.numbers import NumberError, parse_decimal
from kam.users.models import Role


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AgreementForm(StyledForm, forms.ModelForm):
    cash_discount_percent = MoneyField(label=_("Cash discount (%)"), required=False)

    class Meta:
        model = Agreement
        fields = ["account", *AGREEMENT_FIELDS]
        widgets = {
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].queryset = accounts


def _number(text: str) -> Decimal:
    try:
        return parse_decimal(text.replace("€", "").replace("%", "").strip(), "de")
    except NumberError:
        raise forms.ValidationError(
            _("“%(value)s” is not a number."), params={"value": text}
        ) from None


def parse_tiers(text: str) -> list[tuple[Decimal, Decimal | None, Decimal | None]]:
    """One tier per line: "from quantity; net price" or "from quantity; discount %"."""
    tiers = []
    for number, row in enumerate(text.splitlines(), start=1):
        if not row.strip():
            continue
        quantity, separator, value = row.partition(";")
        if not separator or not value.strip():
            raise forms.ValidationError(
                _("Tier line %(line)s: write “quantity; price” or “quantity; discount %%”."),
                params={"line": number},
            )
        amount = _number(value)
        percent = "%" in value
        tiers.append((_number(quantity), None if percent else amount, amount if percent else None))
    return tiers


class ConditionLineForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices)
    product_number = forms.CharField(label=_("Product number"), required=False, max_length=60)
    product_group = forms.ModelChoiceField(
        label=_("Product group"), queryset=ProductGroup.objects.all(), required=False
    )
    net_price = MoneyField(label=_("Net price"), required=False)
    percent = MoneyField(label=_("Percent"), required=False)
    tiers = forms.CharField(
        label=_("Volume tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "100; 9,50\n500; 12 %"}),
        help_text=_(
            "One tier per line: “from quantity; net price” or “from quantity; discount %”."
        ),
    )

    def clean_product_number(self) -> Product | None:
        number = self.cleaned_data["product_number"].strip()
        if not number:
            return None
        product = Product.objects.filter(number=number).first()
        if product is None:
            raise forms.ValidationError(
                _("There is no product with the number “%(number)s”."), params={"number": number}
            )
        return product

    def clean_tiers(self):
        return parse_tiers(self.cleaned_data["tiers"])


class BonusTiersForm(StyledForm, forms.Form):
    tiers = forms.CharField(
        label=_("Annual bonus tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "100.000; 1\n250.000; 2,5"}),
        help_text=_("One tier per line: “from annual revenue; bonus in %”."),
    )

    def clean_tiers(self) -> list[tuple[Decimal, Decimal]]:
        tiers = []
        for number, row in enumerate(self.cleaned_data["tiers"].splitlines(), start=1):
            if not row.strip():
                continue
            revenue, separator, percent = row.partition(";")
            if not separator:
                raise forms.ValidationError(
                    _("Bonus line %(line)s: write “revenue; percent”."), params={"line": number}
                )
            tiers.append((_number(revenue), _number(percent)))
        return tiers


class CommentForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(required=False, max_length=2000)
    reason = forms.CharField(required=False, max_length=200)
    competitor = forms.CharField(required=False, max_length=200)


class AuthorityRuleForm(StyledForm, forms.ModelForm):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("every role (company floor)")), *Role.choices],
        required=False,
    )
    abc_class = forms.ChoiceField(
        label=_("ABC class"),
        choices=[("", _("every class")), ("A", "A"), ("B", "B"), ("C", "C")],
        required=False,
    )
    max_discount_percent = MoneyField(label=_("Maximum discount (%)"), required=False)
    margin_floor_percent = MoneyField(label=_("Margin floor (%)"), required=False)

    class Meta:
        model = AuthorityRule
        fields = ["role", "abc_class", "max_discount_percent", "margin_floor_percent"]


class OfferForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Offer
        fields = ["account", "stakeholder", "title", "valid_until"]
        widgets = {"valid_until": DateInput()}

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is None:
            del self.fields["account"]
            account = self.instance.account
            self.fields["stakeholder"].queryset = Stakeholder.objects.filter(account=account)
        else:
            self.fields["account"].queryset = accounts
            self.fields["stakeholder"].queryset = Stakeholder.objects.filter(account__in=accounts)


class OfferLineForm(StyledForm, forms.Form):
    product_number = forms.CharField(label=_("Product number"), max_length=60)
    quantity = MoneyField(
        label=_("Quantity"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    price = MoneyField(
        label=_("Offered price"),
        required=False,
        min_value=Decimal(0),
        help_text=_("Empty: proposed from the customer's conditions."),
    )

    def clean_product_number(self) -> Product:
        number = self.cleaned_data["product_number"].strip()
        product = Product.objects.filter(number=number, active=True).first()
        if product is None:
            raise forms.ValidationError(
                _("There is no active product with the number “%(number)s”."),
                params={"number": number},
            )
        return product


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Catalogue file (CSV or XLSX)"))


class ResolveForm(StyledForm, forms.Form):
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none())
    product_number = forms.CharField(label=_("Product number"), max_length=60)
    quantity = MoneyField(label=_("Quantity"), min_value=Decimal("0.001"), initial=Decimal(1))

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts

    def clean_product_number(self) -> Product:
        number = self.cleaned_data["product_number"].strip()
        product = Product.objects.filter(number=number).first()
        if product is None:
            raise forms.ValidationError(
                _("There is no product with the number “%(number)s”."), params={"number": number}
            )
        return product
