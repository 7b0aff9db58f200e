from datetime import date, timedelta

import factory
from django.utils import timezone

from kam.activities.models import (
    AccountPlan,
    Activity,
    ActivityKind,
    ActivityStatus,
    GoalKind,
    PlanAction,
    PlanGoal,
)
from kam.testing.factories import AccountFactory, UserFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    account = factory.SubFactory(AccountFactory)
    owner = factory.LazyAttribute(lambda activity: activity.account.owner)
    kind = ActivityKind.VISIT
    status = ActivityStatus.DONE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    subject = factory.Sequence(lambda n: f"Besuch {n}")


class AccountPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountPlan

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Account-Plan {n}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    next_review_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    plan = factory.SubFactory(AccountPlanFactory)
    title = factory.Sequence(lambda n: f"Maßnahme {n}")
    owner = factory.SubFactory(UserFactory)
    due_date = date(2030, 1, 31)


class PlanGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanGoal

    plan = factory.SubFactory(AccountPlanFactory)
    kind = GoalKind.REVENUE
    target_value = 100000
    target_date = date(2030, 12, 31)
