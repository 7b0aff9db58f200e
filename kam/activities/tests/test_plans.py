"""Account plans: one current plan with history, items, reviews, margins only with permission."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.accounts.models import KeyAccountStatus
from kam.activities.models import AccountPlan, GoalKind, PlanAction, PlanStatus
from kam.activities.plan_services import add_months, plan_create
from kam.activities.tests.factories import (
    AccountPlanFactory,
    ActivityFactory,
    PlanActionFactory,
    PlanGoalFactory,
)
from kam.sales import figures
from kam.sales.models import MonthlyFact
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

PLAN_POST = {
    "title": "Account-Plan 2027",
    "valid_from": "2027-01-01",
    "valid_until": "2027-12-31",
    "review_every_months": "3",
}


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_a_new_plan_archives_the_current_one(logged_in, alice):
    account = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    old = AccountPlanFactory(account=account, valid_from=date(2026, 1, 1))

    response = logged_in.post(reverse("activities:plan_create", args=[account.pk]), PLAN_POST)

    old.refresh_from_db()
    new = AccountPlan.objects.get(status=PlanStatus.CURRENT)
    assert response.status_code == 302 and new.title == "Account-Plan 2027"
    assert (old.status, old.valid_until) == (PlanStatus.ARCHIVED, date(2026, 12, 31))
    assert new.next_review_due == date(2027, 4, 1)
    assert logged_in.get(reverse("activities:account_plan", args=[account.pk])).url.endswith(
        f"/plans/{new.pk}/"
    )


def test_the_new_plan_form_starts_from_the_current_analysis(logged_in, alice):
    account = AccountFactory(owner=alice)
    AccountPlanFactory(account=account, strengths="Qualität")

    form = logged_in.get(reverse("activities:plan_create", args=[account.pk])).context["form"]

    assert form.initial["strengths"] == "Qualität"


def test_a_plan_that_ends_before_it_starts_is_refused_in_german(logged_in, alice):
    account = AccountFactory(owner=alice)

    response = logged_in.post(
        reverse("activities:plan_create", args=[account.pk]),
        {**PLAN_POST, "valid_until": "2026-01-01"},
    )

    assert "Das Ende darf nicht vor dem Beginn liegen." in response.content.decode()
    assert not AccountPlan.objects.exists()


def test_only_one_current_plan_per_account_even_without_the_service(alice):
    account = AccountFactory(owner=alice)
    AccountPlanFactory(account=account)

    with pytest.raises(Exception, match="(?i)unique"):
        AccountPlanFactory(account=account)


def test_an_action_is_added_and_linked_to_an_activity(logged_in, alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))

    logged_in.post(
        reverse("activities:item_create", args=[plan.pk, "action"]),
        {"title": "Jahresgespräch", "owner": alice.pk, "due_date": "2030-03-01", "status": "open"},
    )
    action = PlanAction.objects.get(plan=plan)
    ActivityFactory(account=plan.account, plan_action=action, subject="Gespräch mit GF")
    content = logged_in.get(reverse("activities:plan_detail", args=[plan.pk])).content.decode()

    assert "Jahresgespräch" in content and action.activities.count() == 1


def test_an_unknown_item_kind_is_not_found(logged_in, alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))

    response = logged_in.get(reverse("activities:item_create", args=[plan.pk, "wish"]))

    assert response.status_code == 404


def test_an_activity_cannot_link_an_action_of_another_account(alice):
    from django.core.exceptions import ValidationError

    from kam.activities.services import activity_create

    foreign_action = PlanActionFactory(plan=AccountPlanFactory(account=AccountFactory()))

    with pytest.raises(ValidationError, match="Account-Plan"):
        activity_create(
            account=AccountFactory(owner=alice),
            owner=alice,
            data={
                "kind": "visit",
                "starts_at": timezone.now(),
                "subject": "x",
                "plan_action": foreign_action,
            },
        )


def test_margin_goals_are_hidden_without_the_margin_permission(client, alice, bob):
    account = AccountFactory(owner=alice)
    TeamMembershipFactory(account=account, user=bob)
    plan = AccountPlanFactory(account=account)
    PlanGoalFactory(plan=plan, kind=GoalKind.REVENUE, note="Umsatzziel")
    PlanGoalFactory(plan=plan, kind=GoalKind.MARGIN, note="Margenziel")

    pages = {}
    for user in (alice, bob):
        client.force_login(user)
        pages[user.username] = client.get(reverse("activities:plan_detail", args=[plan.pk]))

    assert "Margenziel" in pages["alice"].content.decode()
    assert "Margenziel" not in pages["bob"].content.decode()
    assert "Umsatzziel" in pages["bob"].content.decode()
    print_page = client.get(reverse("activities:plan_print", args=[plan.pk])).content.decode()
    assert "Margenziel" not in print_page


def test_a_user_without_margins_cannot_create_a_margin_goal(client, alice, bob):
    account = AccountFactory(owner=alice)
    TeamMembershipFactory(account=account, user=bob, access="edit")
    plan = AccountPlanFactory(account=account)
    client.force_login(bob)

    response = client.post(
        reverse("activities:item_create", args=[plan.pk, "goal"]),
        {"kind": "margin", "target_value": "1000", "target_date": "2030-01-01"},
    )

    assert "kind" in response.context["form"].errors and not plan.goals.exists()


def test_a_review_records_results_and_moves_the_next_review(logged_in, alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice), next_review_due=date(2026, 1, 1))
    overdue = logged_in.get(reverse("activities:plan_list"), {"review": "overdue"})

    logged_in.post(
        reverse("activities:review_create", args=[plan.pk]),
        {"held_on": "2026-02-10", "achieved": "Umsatz über Plan", "decisions": "Preisrunde"},
    )

    plan.refresh_from_db()
    assert [p.pk for p in overdue.context["page"]] == [plan.pk]
    assert plan.next_review_due == date(2026, 5, 10)
    assert plan.reviews.get().revenue_actual is None  # no sales figures yet: shown as "–"


def test_plan_figures_leave_out_the_running_month(alice):
    """A review on 10 June counts January to May: June is not over, its invoices not all in."""
    account = AccountFactory(owner=alice)
    for month, revenue in ((date(2026, 5, 1), 10_000), (date(2026, 6, 1), 70_000)):
        MonthlyFact.objects.create(
            account=account,
            month=month,
            revenue_cents=revenue,
            margin_cents=revenue // 4,
            first_purchase=month,
            last_purchase=month,
        )

    result = figures.period_figures(account, start=date(2026, 1, 1), end=date(2026, 6, 10))

    assert result is not None and result.revenue == Decimal("100.00")
    assert result.last_month == date(2026, 5, 1)


def test_figures_come_from_the_monthly_sales_facts(alice):
    account = AccountFactory(owner=alice)
    for month, revenue in (
        (date(2025, 12, 1), 999),
        (date(2026, 1, 1), 100_000),
        (date(2026, 2, 1), 50_050),
    ):
        MonthlyFact.objects.create(
            account=account,
            month=month,
            revenue_cents=revenue,
            margin_cents=revenue // 4,
            first_purchase=month,
            last_purchase=month,
        )

    result = figures.period_figures(account, start=date(2026, 1, 15), end=date(2026, 6, 30))
    nothing = figures.period_figures(account, start=date(2027, 1, 1), end=date(2027, 6, 30))

    assert result is not None
    assert (result.revenue, result.margin) == (Decimal("1500.50"), Decimal("375.12"))
    assert nothing is None


def test_plan_list_query_count_does_not_grow(logged_in, alice, django_assert_max_num_queries):
    for account in AccountFactory.create_batch(12, owner=alice):
        PlanActionFactory.create_batch(2, plan=AccountPlanFactory(account=account))

    with django_assert_max_num_queries(10):
        response = logged_in.get(reverse("activities:plan_list"))
    assert len(response.context["page"]) == 12


def test_plan_detail_query_count_is_bounded(logged_in, alice, django_assert_max_num_queries):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))
    for action in PlanActionFactory.create_batch(8, plan=plan):
        ActivityFactory(account=plan.account, plan_action=action)
    PlanGoalFactory.create_batch(4, plan=plan)

    with django_assert_max_num_queries(20):
        logged_in.get(reverse("activities:plan_detail", args=[plan.pk]))


def test_plan_service_refuses_nonsense(alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        plan_create(
            account=AccountFactory(owner=alice),
            created_by=alice,
            data={"title": "", "valid_from": date(2026, 1, 1), "review_every_months": 0},
        )

    assert {"title", "review_every_months"} <= set(error.value.message_dict)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_where_the_month_allows(day, months, expected):
    assert add_months(day, months) == expected


def test_today_is_used_for_the_review_alert(logged_in, alice):
    plan = AccountPlanFactory(
        account=AccountFactory(owner=alice),
        next_review_due=timezone.localdate() - timedelta(days=1),
    )

    content = logged_in.get(reverse("activities:plan_detail", args=[plan.pk])).content.decode()

    assert "Das Review war am" in content
