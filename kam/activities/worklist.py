"""What needs a user today from contacts and plans (contract: kam.core.plugins.worklist):
their overdue contacts, their next steps and plan actions falling due, overdue plan reviews."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.activities.coverage import accounts_under_rules, coverage_for
from kam.activities.models import AccountPlan, ActionStatus, Activity, PlanAction, PlanStatus
from kam.core import permissions
from kam.core.plugins import WORKLIST_LIMIT, WorkItem

#: Next steps and actions this many days ahead are shown, so that Monday shows the week's.
AHEAD_DAYS = 3


def _severity(due: date, today: date) -> str:
    return "danger" if due < today else "warning" if due == today else "info"


def _overdue_contacts(user, today: date) -> list[WorkItem]:
    if not permissions.works_on_own_accounts(user):
        return []
    own = accounts_under_rules(Account.objects.filter(owner=user))
    entries = [entry for entry in coverage_for(own, today=today) if entry.state.overdue]
    entries.sort(key=lambda entry: entry.overdue_since or today)
    return [
        WorkItem(
            kind="overdue_contact",
            title=_("Contact overdue: %(account)s") % {"account": entry.account.name},
            url=reverse("accounts:detail", kwargs={"pk": entry.account.pk}),
            due=(entry.overdue_since or today) - timedelta(days=1),
            severity="danger",
            account_name=entry.account.name,
        )
        for entry in entries[:WORKLIST_LIMIT]
    ]


def _next_steps(user, today: date) -> list[WorkItem]:
    steps = (
        Activity.objects.filter(
            owner=user,
            next_step_done=False,
            next_step_due__lte=today + timedelta(days=AHEAD_DAYS),
            account__in=accounts_visible_to(user),
        )
        .exclude(next_step="")
        .select_related("account")
        .order_by("next_step_due", "id")[:WORKLIST_LIMIT]
    )
    return [
        WorkItem(
            kind="next_step",
            title=_("Next step: %(step)s") % {"step": activity.next_step},
            url=reverse("activities:detail", kwargs={"pk": activity.pk}),
            due=activity.next_step_due,
            severity=_severity(activity.next_step_due, today),
            account_name=activity.account.name,
        )
        for activity in steps
        if activity.next_step_due is not None
    ]


def _plan_actions(user, today: date) -> list[WorkItem]:
    actions = (
        PlanAction.objects.filter(
            owner=user,
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
            due_date__lte=today + timedelta(days=AHEAD_DAYS),
            plan__account__in=accounts_visible_to(user),
        )
        .select_related("plan__account")
        .order_by("due_date", "id")[:WORKLIST_LIMIT]
    )
    return [
        WorkItem(
            kind="plan_action",
            title=_("Plan action: %(action)s") % {"action": action.title},
            url=reverse("activities:plan_detail", kwargs={"plan_pk": action.plan_id}),
            due=action.due_date,
            severity=_severity(action.due_date, today),
            account_name=action.plan.account.name,
        )
        for action in actions
        if action.due_date is not None
    ]


def _plan_reviews(user, today: date) -> list[WorkItem]:
    """Leadership sees every overdue review (a decision waiting for it), others their own."""
    plans = AccountPlan.objects.filter(status=PlanStatus.CURRENT, next_review_due__lt=today)
    if permissions.can_see_company_portfolio(user):
        plans = plans.filter(account__in=accounts_visible_to(user))
    else:
        plans = plans.filter(account__owner=user)
    plans = plans.select_related("account").order_by("next_review_due", "id")[:WORKLIST_LIMIT]
    return [
        WorkItem(
            kind="plan_review",
            title=_("Plan review overdue: %(plan)s") % {"plan": plan.title},
            url=reverse("activities:plan_detail", kwargs={"plan_pk": plan.pk}),
            due=plan.next_review_due,
            severity="danger",
            account_name=plan.account.name,
        )
        for plan in plans
    ]


def worklist_items(user) -> list[WorkItem]:
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    return [
        *_overdue_contacts(user, today),
        *_next_steps(user, today),
        *_plan_actions(user, today),
        *_plan_reviews(user, today),
    ]
