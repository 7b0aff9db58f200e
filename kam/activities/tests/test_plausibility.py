"""Implausible dates and figures in contacts and account plans (#13.14) are refused with a German
message, in the forms and in the services (so the API and the CLI are covered too)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kam.activities import plan_services, services
from kam.activities.forms import ActivityForm, GoalForm, PlanForm, ReviewForm
from kam.activities.models import ActivityStatus, GoalKind, PlanGoal
from kam.activities.tests.factories import AccountPlanFactory
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def german_on_the_30th_of_november():
    now = datetime.datetime(2026, 11, 30, 10, tzinfo=datetime.UTC)
    with translation.override("de"), time_machine.travel(now, tick=False):
        yield


def at(year, month, day, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def activity_data(**changes) -> dict:
    data: dict[str, object] = {"kind": "visit", "status": ActivityStatus.DONE, "subject": "Besuch"}
    data["starts_at"] = at(2026, 11, 20)
    return data | changes


def form_data(**changes) -> dict:
    data = {
        "kind": "visit",
        "status": "done",
        "starts_at": "2026-11-20T10:00",
        "duration_minutes": 60,
        "subject": "Besuch",
    }
    return data | changes


def service_errors(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# Activities


def test_a_done_visit_in_the_future_is_refused(alice):
    account = AccountFactory(owner=alice)
    errors = service_errors(
        lambda: services.activity_create(
            account=account, owner=alice, data=activity_data(starts_at=at(2030, 1, 1))
        )
    )
    assert "nicht in der Zukunft" in errors["starts_at"][0]
    form = ActivityForm(form_data(starts_at="2030-01-01T10:00"), account=account)
    assert not form.is_valid() and "nicht in der Zukunft" in form.errors["starts_at"][0]


def test_a_planned_visit_in_the_future_and_a_done_one_today_are_fine(alice):
    account = AccountFactory(owner=alice)
    planned = activity_data(status=ActivityStatus.PLANNED, starts_at=at(2030, 1, 1))
    services.activity_create(account=account, owner=alice, data=planned)
    today = activity_data(starts_at=at(2026, 11, 30, 16))
    services.activity_create(account=account, owner=alice, data=today)


def test_a_contact_before_1990_is_refused(alice):
    account = AccountFactory(owner=alice)
    errors = service_errors(
        lambda: services.activity_create(
            account=account, owner=alice, data=activity_data(starts_at=at(1900, 1, 1))
        )
    )
    assert "1990" in errors["starts_at"][0]
    form = ActivityForm(form_data(starts_at="1900-01-01T10:00"), account=account)
    assert not form.is_valid() and "1990" in form.errors["starts_at"][0]


def test_a_next_step_before_the_contact_is_refused(alice):
    account = AccountFactory(owner=alice)
    data = activity_data(next_step="Angebot", next_step_due=datetime.date(2026, 11, 19))
    errors = service_errors(
        lambda: services.activity_create(account=account, owner=alice, data=data)
    )
    assert "vor dem Kontakt" in errors["next_step_due"][0]
    form = ActivityForm(form_data(next_step="Angebot", next_step_due="2026-11-19"), account=account)
    assert not form.is_valid() and "vor dem Kontakt" in form.errors["next_step_due"][0]


# Account plans


def plan_form_data(**changes) -> dict:
    data = {"title": "Plan", "valid_from": "2026-01-01", "review_every_months": 3}
    return data | changes


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("review_every_months", 0, "1 bis 36"),
        ("next_review_due", "1850-01-01", "1990"),
        ("next_review_due", "2025-12-31", "vor dem Beginn"),
        ("valid_from", "1899-12-31", "1990"),
    ],
)
def test_implausible_plan_dates_and_intervals_are_refused(field, value, words, alice):
    form = PlanForm(plan_form_data(**{field: value}))
    assert not form.is_valid() and words in " ".join(form.errors[field])
    account = AccountFactory(owner=alice)
    data = {"title": "Plan", "valid_from": datetime.date(2026, 1, 1), "review_every_months": 3}
    data[field] = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    errors = service_errors(
        lambda: plan_services.plan_create(account=account, created_by=alice, data=data)
    )
    assert words in " ".join(errors[field])


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        (GoalKind.REVENUE, "-500000", "nicht negativ"),
        (GoalKind.SHARE_OF_WALLET, "150", "zwischen 0 und 100"),
        (GoalKind.SHARE_OF_WALLET, "-1", "nicht negativ"),
    ],
)
def test_implausible_goals_are_refused(kind, value, words, alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))
    form = GoalForm(
        {"kind": kind, "target_value": value, "target_date": "2027-12-31"},
        instance=PlanGoal(plan=plan),
    )
    assert not form.is_valid() and words in form.errors["target_value"][0]
    goal = PlanGoal(
        plan=plan, kind=kind, target_value=Decimal(value), target_date=datetime.date(2027, 12, 31)
    )
    assert (
        words in service_errors(lambda: plan_services.plan_item_save(item=goal))["target_value"][0]
    )


def test_plausible_goals_are_kept(alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))
    for kind, value in ((GoalKind.REVENUE, "0"), (GoalKind.SHARE_OF_WALLET, "100")):
        goal = PlanGoal(
            plan=plan, kind=kind, target_value=Decimal(value), target_date=datetime.date(2027, 1, 1)
        )
        plan_services.plan_item_save(item=goal)
    assert plan.goals.count() == 2


def test_a_review_held_in_the_future_or_before_1990_is_refused(alice):
    plan = AccountPlanFactory(account=AccountFactory(owner=alice))
    for held_on, words in (("2027-01-01", "Zukunft"), ("1985-05-05", "1990")):
        form = ReviewForm({"held_on": held_on}, instance=plan.reviews.model(plan=plan))
        assert not form.is_valid() and words in form.errors["held_on"][0]
        errors = service_errors(
            lambda held_on=held_on: plan_services.review_record(
                plan=plan,
                reviewed_by=alice,
                data={"held_on": datetime.date.fromisoformat(held_on)},
            )
        )
        assert words in errors["held_on"][0]
