"""Writes of account plans, their items and reviews: atomic, validated, audited."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.db import models, transaction

from kam.accounts.models import Account
from kam.activities.models import AccountPlan, PlanReview, PlanStatus
from kam.sales.figures import period_figures
from kam.search.index import index_refresh
from kam.users.models import User

PLAN_FIELDS = (
    "title",
    "valid_from",
    "valid_until",
    "situation",
    "customer_strategy",
    "customer_needs",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
    "review_every_months",
    "next_review_due",
)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def plan_create(*, account: Account, created_by: User, data: dict[str, Any]) -> AccountPlan:
    """A new current plan; the plan that was current until now goes to the history."""
    plan = AccountPlan(account=account, created_by=created_by)
    for name in PLAN_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    if plan.next_review_due is None and plan.valid_from:
        plan.next_review_due = add_months(plan.valid_from, plan.review_every_months)
    plan.full_clean(validate_constraints=False)
    for earlier in AccountPlan.objects.select_for_update().filter(
        account=account, status=PlanStatus.CURRENT
    ):
        earlier.status = PlanStatus.ARCHIVED
        if earlier.valid_until is None or earlier.valid_until >= plan.valid_from:
            earlier.valid_until = max(plan.valid_from - timedelta(days=1), earlier.valid_from)
        earlier.save(update_fields=["status", "valid_until", "updated_at"])
    plan.save()
    index_refresh("plan", [plan.pk])
    return plan


@transaction.atomic
def plan_update(*, plan: AccountPlan, data: dict[str, Any]) -> AccountPlan:
    for name in PLAN_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    plan.full_clean()
    plan.save()
    index_refresh("plan", [plan.pk])
    return plan


@transaction.atomic
def plan_item_save(*, item: models.Model) -> models.Model:
    """A goal, competitor, opportunity or action of a plan."""
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def plan_item_delete(*, item: models.Model) -> None:
    item.delete()


@transaction.atomic
def review_record(*, plan: AccountPlan, reviewed_by: User, data: dict[str, Any]) -> PlanReview:
    """The review with the figures as they are today, and the next review date moved on."""
    review = PlanReview(plan=plan, reviewed_by=reviewed_by, **data)
    figures = period_figures(plan.account, start=plan.valid_from, end=review.held_on)
    if figures is not None:
        review.revenue_actual, review.margin_actual = figures.revenue, figures.margin
    review.full_clean()
    review.save()
    plan.next_review_due = add_months(review.held_on, plan.review_every_months)
    plan.save(update_fields=["next_review_due", "updated_at"])
    return review
