from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder, TeamMembership
from kam.accounts.selectors import accounts_visible_to
from kam.core import permissions
from kam.core.forms import StyledForm
from kam.search.widgets import Picker
from kam.users.models import User

LEGAL_FORMS = ["GmbH", "AG", "GmbH & Co. KG", "KG", "SE", "OHG", "e.K.", "UG", "KGaA", "Sonstige"]


class AccountForm(StyledForm, forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    parent_number = forms.CharField(
        label=_("Parent company (customer number)"),
        required=False,
        help_text=_("Leave empty if the account belongs to no group."),
        widget=Picker(url="accounts:autocomplete", value_field="customer_number"),
    )

    class Meta:
        model = Account
        fields = [
            "customer_number",
            "name",
            "legal_form",
            "industry",
            "street",
            "postal_code",
            "city",
            "country",
            "website",
            "owner",
            "status",
            "tier",
        ]
        widgets = {
            "legal_form": forms.TextInput(attrs={"list": "legal-forms"}),
            "owner": Picker(url="search:pick_users", params={"list": "can_own_accounts"}),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = permissions.users_who_can_own_accounts()
        if self.instance.parent_id:
            self.fields["parent_number"].initial = self.instance.parent.customer_number
        cast(Picker, self.fields["parent_number"].widget).label_queryset = accounts_visible_to(user)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean_postal_code(self) -> str:
        return self.cleaned_data["postal_code"].strip()

    def clean_parent_number(self) -> Account | None:
        number = self.cleaned_data["parent_number"].strip()
        if not number:
            return None
        parent = accounts_visible_to(self.user).filter(customer_number=number).first()
        if parent is None:
            raise forms.ValidationError(
                _("There is no visible account with the number %(number)s."),
                params={"number": number},
            )
        if parent.pk == self.instance.pk:
            raise forms.ValidationError(_("An account cannot be its own parent company."))
        return parent

    def account_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["parent"] = self.cleaned_data["parent_number"]
        return data


class TeamMembershipForm(StyledForm, forms.ModelForm):
    class Meta:
        model = TeamMembership
        fields = ["user", "role", "access"]
        widgets = {"user": Picker(url="search:pick_users")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = User.objects.filter(
            is_active=True
        ).order_by("last_name")


class StakeholderForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = [
            "first_name",
            "last_name",
            "position",
            "department",
            "email",
            "phone",
            "buying_role",
            "influence",
            "attitude",
            "reports_to",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.account = account
        others = account.stakeholders.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        cast(forms.ModelChoiceField, self.fields["reports_to"]).queryset = others
