from typing import cast
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import KeyAccountStatus
from kam.core import permissions
from kam.core.forms import StyledForm
from kam.core.http import id_param
from kam.lists.selectors import assignable_owners

#: At most this many accounts in one bulk action (a page of the list is far fewer).
MAX_SELECTION = 500


class SavedViewForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=_("Name of the view"),
        max_length=80,
        error_messages={"required": _("Give the view a name.")},
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_query(self) -> str:
        return urlencode(parse_qsl(self.cleaned_data["query"].lstrip("?")))


class AccountIdsField(forms.TypedMultipleChoiceField):
    """Account ids from the list's checkboxes: any number here, visibility and edit rights
    are checked against the database."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value) -> bool:
        return id_param(str(value)) is not None


def changeable_segments(user):
    """The segments the user may add accounts to (kam.core.permissions.can_change_segment)."""
    from kam.campaigns.models import Segment

    if not permissions.can_send_mailings(user):
        return Segment.objects.none()
    segments = Segment.objects.order_by("name", "id")
    return segments if permissions.can_approve_mailings(user) else segments.filter(created_by=user)


class BulkForm(StyledForm, forms.Form):
    EDIT_ACTIONS = [
        ("assign_owner", _("Assign owner")),
        ("set_status", _("Set key account status")),
    ]
    SEGMENT_ACTIONS = [("add_to_segment", _("Add to segment"))]
    ACTIONS = EDIT_ACTIONS + SEGMENT_ACTIONS

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ids = AccountIdsField(coerce=int, required=True)
    owner = forms.ModelChoiceField(
        label=_("New key account manager"), queryset=assignable_owners(), required=False
    )
    status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *KeyAccountStatus.choices], required=False
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, widget=forms.TextInput()
    )
    segment: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Segment"), queryset=None, required=False
    )
    segment_name = forms.CharField(label=_("or a new segment"), max_length=150, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].error_messages["required"] = _("Select at least one account.")
        actions = []
        if permissions.can_bulk_edit_accounts(user):
            actions += self.EDIT_ACTIONS
        if permissions.can_send_mailings(user):
            actions += self.SEGMENT_ACTIONS
        cast(forms.ChoiceField, self.fields["action"]).choices = actions
        cast(forms.ModelChoiceField, self.fields["segment"]).queryset = changeable_segments(user)

    def clean_ids(self) -> list[int]:
        ids = self.cleaned_data["ids"]
        if len(ids) > MAX_SELECTION:
            raise forms.ValidationError(_("At most %(n)s accounts at once.") % {"n": MAX_SELECTION})
        return ids

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == "assign_owner" and not data.get("owner"):
            self.add_error("owner", _("Choose the new key account manager."))
        if data.get("action") == "set_status":
            if not data.get("status"):
                self.add_error("status", _("Choose a key account status."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Give a reason for the new status."))
        if data.get("action") == "add_to_segment":
            if not data.get("segment") and not (data.get("segment_name") or "").strip():
                self.add_error("segment", _("Choose a segment or name a new one."))
        return data
