"""The analysis finds what the demo hides; the figures the cockpit will use."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.utils import timezone

from kam.complaints import analysis, services
from kam.complaints.models import Complaint, Status
from kam.complaints.selectors import complaint_figures_for_accounts, complaints_visible_to
from kam.complaints.tests.factories import make_complaint, root_cause
from kam.testing.factories import AccountFactory
from kam.users.models import User

BERLIN = ZoneInfo("Europe/Berlin")


def test_pareto_sorts_and_accumulates():
    rows = analysis.pareto([("Transport", 2), ("Produktion", 6), ("Fakturierung", 2)])

    assert [row.label for row in rows] == ["Produktion", "Fakturierung", "Transport"]
    assert [round(row.cumulative, 2) for row in rows] == [0.6, 0.8, 1.0]
    assert [row.vital for row in rows] == [True, True, False]


def test_pareto_of_nothing_is_empty():
    assert analysis.pareto([]) == []


def test_the_demo_has_complaints_and_a_recurring_transport_problem(db):
    call_command("demo", "--accounts", "80", "--seed", "3", stdout=io.StringIO())
    leader = User.objects.get(username="leitung")
    numbers = list(Complaint.objects.values_list("number", flat=True))

    recurring = analysis.recurring_causes(complaints_visible_to(leader), timezone.now())

    assert len(numbers) > 100 and len(set(numbers)) == len(numbers)
    assert "Transport" in [cause.root_cause for cause in recurring]
    assert Complaint.objects.filter(status__in=["received", "in_analysis"]).exists()


def test_the_same_cause_at_three_accounts_is_flagged_two_is_not(alice):
    accounts = [AccountFactory(owner=alice) for _ in range(3)]
    for account in accounts[:2]:
        make_complaint(account, root_cause=root_cause())
    visible = complaints_visible_to(alice)

    before = analysis.recurring_causes(visible, timezone.now())
    make_complaint(accounts[2], root_cause=root_cause())
    after = analysis.recurring_causes(visible, timezone.now())

    assert before == []
    assert after == [analysis.RecurringCause("Transport", 3, 3)]


def test_sla_compliance_counts_met_deadlines_and_medians(alice):
    account = AccountFactory(owner=alice)
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
    with time_machine.travel(monday, tick=False) as traveller:
        quick, slow = make_complaint(account), make_complaint(account)
        traveller.shift(timedelta(hours=1))
        services.complaint_transition(complaint=quick, to_status=Status.ACKNOWLEDGED, user=None)
        traveller.shift(timedelta(days=10))
        services.complaint_transition(complaint=slow, to_status=Status.ACKNOWLEDGED, user=None)

    result = analysis.sla_compliance(complaints_visible_to(alice))

    assert (result.acknowledged, result.acknowledged_in_time) == (2, 1)
    assert result.acknowledge_share == 0.5
    assert result.median_hours_to_acknowledge is not None


def test_backlog_buckets_open_complaints_by_age(alice):
    account = AccountFactory(owner=alice)
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        make_complaint(account)
    make_complaint(account)

    backlog = dict(analysis.backlog_by_age(complaints_visible_to(alice), timezone.now()))

    assert backlog["0–2 Tage"] == 1 and backlog["über 30 Tage"] == 1


def test_figures_per_account_for_the_cockpit(alice):
    busy, quiet = AccountFactory(owner=alice), AccountFactory(owner=alice)
    late = make_complaint(busy, affected_value=Decimal("100"))
    make_complaint(busy, affected_value=Decimal("50"))
    Complaint.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - timedelta(hours=1))
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        make_complaint(busy)

    figures = complaint_figures_for_accounts([busy.pk, quiet.pk])

    assert figures[busy.pk].open_count == 3
    assert figures[busy.pk].open_breached_count == 2  # the old one is overdue as well
    assert figures[busy.pk].last_12_months_count == 2
    assert figures[busy.pk].last_12_months_value == Decimal("150")
    assert figures[quiet.pk].open_count == 0
