from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder
from kam.activities.models import (
    AccountCadence,
    AccountPlan,
    Activity,
    ActivityKind,
    CadenceRule,
    GoalKind,
    PlanAction,
    PlanCompetitor,
    PlanGoal,
    PlanOpportunity,
    PlanReview,
)
from kam.activities.selectors import plan_actions_for_account
from kam.core.forms import StyledForm
from kam.search.widgets import Picker
from kam.users.models import User

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def active_users():
    return User.objects.filter(is_active=True).order_by("last_name", "first_name")


class QuickActivityForm(StyledForm, forms.Form):
    """What a field rep types on a tablet right after a visit: few fields, sensible defaults."""

    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices, initial="visit")
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME_WIDGET)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DATE_WIDGET)
    stakeholders = forms.ModelMultipleChoiceField(
        label=_("Contact persons met"),
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Only stakeholders of this account.")},
    )

    def __init__(self, *args, account: Account | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].initial = _now_local
        # Only the account's own stakeholders can be ticked: whoever was met is recorded on the
        # contact, so their freshness and the buying-centre coverage follow the visit.
        self.fields["stakeholders"].widget.attrs["class"] = "form-check-input"
        if account is not None:
            field = cast(forms.ModelMultipleChoiceField, self.fields["stakeholders"])
            field.queryset = account.stakeholders.order_by("last_name", "first_name")

    def clean(self):
        data = super().clean() or {}
        if data.get("next_step_due") and not data.get("next_step"):
            self.add_error("next_step", _("Describe the next step for its due date."))
        return data

    def activity_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "stakeholders"}
        status = "planned" if data["starts_at"] > timezone.now() else "done"
        return {**data, "status": status}

    def met_stakeholders(self) -> list[Stakeholder]:
        return list(self.cleaned_data.get("stakeholders") or [])


class ActivityForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "kind",
            "status",
            "starts_at",
            "duration_minutes",
            "subject",
            "location",
            "participants",
            "stakeholders",
            "outcome",
            "next_step",
            "next_step_due",
            "plan_action",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "next_step_due": DATE_WIDGET,
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "participants": Picker(url="search:pick_users", multiple=True),
        }

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.account = account
        if not self.instance.pk:
            self.fields["starts_at"].initial = _now_local
        fields = self.fields
        cast(forms.ModelChoiceField, fields["participants"]).queryset = active_users()
        stakeholders = cast(forms.ModelChoiceField, fields["stakeholders"])
        stakeholders.queryset = account.stakeholders.all()
        stakeholders.widget = Picker(
            url="search:pick_stakeholders", params={"account": account.pk}, multiple=True
        )
        stakeholders.widget.choices = stakeholders.choices
        cast(forms.ModelChoiceField, fields["plan_action"]).queryset = plan_actions_for_account(
            account
        )

    def clean(self):
        data = super().clean() or {}
        if data.get("next_step_due") and not data.get("next_step"):
            self.add_error("next_step", _("Describe the next step for its due date."))
        return data

    def activity_data(self) -> dict:
        skip = {"participants", "stakeholders"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class CadenceRuleForm(StyledForm, forms.ModelForm):
    class Meta:
        model = CadenceRule
        fields = ["visit_every_days", "contact_every_days"]


class AccountCadenceForm(StyledForm, forms.ModelForm):
    class Meta:
        model = AccountCadence
        fields = ["visit_every_days", "contact_every_days", "reason"]


class RelationshipOwnerForm(StyledForm, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Relationship owner"),
        queryset=User.objects.none(),
        required=False,
        widget=Picker(url="search:pick_users"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = active_users()


class PlanForm(StyledForm, forms.ModelForm):
    class Meta:
        model = AccountPlan
        fields = [
            "title",
            "valid_from",
            "valid_until",
            "review_every_months",
            "next_review_due",
            "situation",
            "customer_strategy",
            "customer_needs",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
        ]
        widgets = {
            "valid_from": DATE_WIDGET,
            "valid_until": DATE_WIDGET,
            "next_review_due": DATE_WIDGET,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "situation",
                    "customer_strategy",
                    "customer_needs",
                    "strengths",
                    "weaknesses",
                    "opportunities",
                    "threats",
                )
            },
        }

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end must not be before the start."))
        return data


class GoalForm(StyledForm, forms.ModelForm):
    class Meta:
        model = PlanGoal
        fields = ["kind", "target_value", "target_date", "note"]
        widgets = {"target_date": DATE_WIDGET}

    def __init__(self, *args, can_view_margins: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_view_margins:
            field = cast(forms.ChoiceField, self.fields["kind"])
            field.choices = [c for c in GoalKind.choices if c[0] != GoalKind.MARGIN]


class CompetitorForm(StyledForm, forms.ModelForm):
    class Meta:
        model = PlanCompetitor
        fields = ["name", "supplies", "share_percent", "threat"]


class OpportunityForm(StyledForm, forms.ModelForm):
    class Meta:
        model = PlanOpportunity
        fields = ["title", "estimated_revenue", "expected_by", "note"]
        widgets = {"expected_by": DATE_WIDGET}


class ActionForm(StyledForm, forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["title", "owner", "due_date", "status"]
        widgets = {"due_date": DATE_WIDGET, "owner": Picker(url="search:pick_users")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = active_users()


class ReviewForm(StyledForm, forms.ModelForm):
    class Meta:
        model = PlanReview
        fields = ["held_on", "achieved", "short_term_results", "decisions"]
        widgets = {
            "held_on": DATE_WIDGET,
            "achieved": forms.Textarea(attrs={"rows": 3}),
            "short_term_results": forms.Textarea(attrs={"rows": 3}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }


#: The kinds of plan items edited with one set of views: URL word → (model, form, related name).
PLAN_ITEMS = {
    "goal": (PlanGoal, GoalForm, "goals"),
    "competitor": (PlanCompetitor, CompetitorForm, "competitors"),
    "opportunity": (PlanOpportunity, OpportunityForm, "opportunity_set"),
    "action": (PlanAction, ActionForm, "actions"),
}
