"""Reads of account plans, reached through the accounts the user may see."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.activities.models import (
    AccountPlan,
    ActionStatus,
    Activity,
    GoalKind,
    PlanAction,
    PlanGoal,
    PlanStatus,
)
from kam.core.http import id_param
from kam.core.permissions import can_edit_account, can_view_margins
from kam.sales.figures import period_figures
from kam.users.models import User


def plans_visible_to(user: User) -> QuerySet[AccountPlan]:
    return AccountPlan.objects.filter(account__in=accounts_visible_to(user))


def plan_get(*, user: User, pk: int) -> AccountPlan:
    return get_object_or_404(
        plans_visible_to(user).select_related("account", "account__owner"), pk=pk
    )


def plan_get_editable(*, user: User, pk: int) -> AccountPlan:
    plan = plan_get(user=user, pk=pk)
    if not can_edit_account(user, plan.account):
        raise PermissionDenied
    return plan


def current_plan(account: Account) -> AccountPlan | None:
    return account.plans.filter(status=PlanStatus.CURRENT).first()


def earlier_plans(account: Account) -> QuerySet[AccountPlan]:
    return account.plans.filter(status=PlanStatus.ARCHIVED).order_by("-valid_from", "-id")


@dataclass(frozen=True)
class PlanFilter:
    q: str = ""
    owner: str = ""
    review: str = ""  # "overdue": only plans whose review is overdue
    sort: str = "review"


SORTS = {
    "review": ("next_review_due", "account__name"),
    "-review": ("-next_review_due", "account__name"),
    "account": ("account__name",),
    "-account": ("-account__name",),
}


def plan_list(*, user: User, filters: PlanFilter, today: date | None = None):
    today = today or timezone.localdate()
    plans = (
        plans_visible_to(user)
        .filter(status=PlanStatus.CURRENT)
        .select_related("account", "account__owner")
        .annotate(
            open_actions=Count(
                "actions",
                filter=Q(actions__status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS]),
            )
        )
    )
    if filters.q:
        plans = plans.filter(Q(account__name__icontains=filters.q) | Q(title__icontains=filters.q))
    if (owner := id_param(filters.owner)) is not None:
        plans = plans.filter(account__owner_id=owner)
    if filters.review == "overdue":
        plans = plans.filter(next_review_due__lt=today)
    return plans.order_by(*SORTS.get(filters.sort, SORTS["review"]))


def overdue_reviews(*, user: User, today: date | None = None) -> QuerySet[AccountPlan]:
    today = today or timezone.localdate()
    return (
        plans_visible_to(user)
        .filter(status=PlanStatus.CURRENT, next_review_due__lt=today)
        .select_related("account")
        .order_by("next_review_due")
    )


def visible_goals(plan: AccountPlan, user: User) -> list[PlanGoal]:
    """Margin goals are margin figures: only users with the margin permission see them."""
    goals = plan.goals.all()
    if not can_view_margins(user):
        goals = goals.exclude(kind=GoalKind.MARGIN)
    return list(goals)


def plan_actions(plan: AccountPlan) -> list[PlanAction]:
    activities = Activity.objects.select_related("owner").order_by("-starts_at")
    return list(
        plan.actions.select_related("owner").prefetch_related(
            Prefetch("activities", queryset=activities)
        )
    )


def plan_detail(plan: AccountPlan, user: User, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    figures = period_figures(plan.account, start=plan.valid_from, end=today)
    return {
        "plan": plan,
        "goals": visible_goals(plan, user),
        "competitors": list(plan.competitors.all()),
        "opportunity_items": list(plan.opportunity_set.all()),
        "actions": plan_actions(plan),
        "reviews": list(plan.reviews.select_related("reviewed_by")),
        "figures": figures,
        "review_overdue": bool(plan.next_review_due and plan.next_review_due < today),
        "can_view_margins": can_view_margins(user),
        "can_edit": can_edit_account(user, plan.account),
        "is_current": plan.status == PlanStatus.CURRENT,
        "today": today,
    }
