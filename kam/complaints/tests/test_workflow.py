"""Recording complaints and moving them through the workflow."""

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kam.accounts.models import KeyAccountStatus
from kam.complaints import services
from kam.complaints.models import (
    Complaint,
    EventKind,
    Severity,
    SlaOverride,
    Status,
)
from kam.complaints.tests.factories import ensure_defaults, make_complaint, root_cause
from kam.core.models import Counter
from kam.testing.factories import AccountFactory, StakeholderFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def account(alice):
    return AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)


def walk(complaint, *steps, user=None):
    for step in steps:
        complaint = services.complaint_transition(complaint=complaint, to_status=step, user=user)
    return complaint


TO_RESOLVED = (Status.ACKNOWLEDGED, Status.IN_ANALYSIS, Status.SOLUTION_PROPOSED, Status.RESOLVED)
RESOLUTION = {"remedy_given": "Ersatzlieferung", "goodwill_amount": Decimal("100")}


def test_numbers_count_up_per_year_without_gaps(account):
    with time_machine.travel(MONDAY_9, tick=False):
        first, second = make_complaint(account), make_complaint(account)
    with time_machine.travel(datetime(2027, 1, 4, 9, tzinfo=BERLIN), tick=False):
        next_year = make_complaint(account)

    assert [first.number, second.number] == ["REK-2026-00001", "REK-2026-00002"]
    assert next_year.number == "REK-2027-00001"


def test_a_refused_complaint_does_not_use_up_a_number(account, carol):
    foreign_stakeholder = StakeholderFactory(account=AccountFactory(owner=carol))
    with time_machine.travel(MONDAY_9, tick=False):
        make_complaint(account)
        with pytest.raises(ValidationError):
            make_complaint(account, stakeholder=foreign_stakeholder)
        after = make_complaint(account)

    assert after.number == "REK-2026-00002"


def test_the_sla_of_the_account_class_sets_the_deadlines(account):
    with time_machine.travel(MONDAY_9, tick=False):
        complaint = make_complaint(account, severity=Severity.CRITICAL)

    assert (complaint.acknowledge_hours, complaint.resolve_hours) == (2, 18)
    assert complaint.acknowledge_due == datetime(2026, 3, 9, 11, 0, tzinfo=BERLIN)
    assert complaint.resolve_due == datetime(2026, 3, 11, 9, 0, tzinfo=BERLIN)


def test_a_customer_agreement_overrides_the_company_template(account):
    SlaOverride.objects.create(
        account=account, severity=Severity.CRITICAL, acknowledge_hours=1, resolve_hours=4
    )
    with time_machine.travel(MONDAY_9, tick=False):
        complaint = make_complaint(account, severity=Severity.CRITICAL)

    assert complaint.acknowledge_due == datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)
    assert complaint.resolve_due == datetime(2026, 3, 9, 13, 0, tzinfo=BERLIN)


def test_the_full_workflow_records_who_did_what_and_when(account, alice):
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        complaint = make_complaint(account, alice)
        traveller.shift(3600)
        complaint = walk(complaint, *TO_RESOLVED, user=alice)
        complaint = services.complaint_transition(
            complaint=complaint,
            to_status=Status.CLOSED,
            user=alice,
            resolution={**RESOLUTION, "root_cause": root_cause()},
        )

    assert complaint.status == Status.CLOSED and complaint.closed_at is not None
    assert complaint.hours_to_acknowledge == Decimal("1.00")
    transitions = complaint.events.filter(kind=EventKind.TRANSITION)
    assert [e.to_status for e in transitions] == [*TO_RESOLVED, Status.CLOSED]
    assert all(e.user == alice for e in transitions)


@pytest.mark.parametrize(
    ("steps", "target"),
    [
        ((), Status.CLOSED),
        ((), Status.RESOLVED),
        ((Status.ACKNOWLEDGED,), Status.SOLUTION_PROPOSED),
        ((Status.ACKNOWLEDGED,), Status.RECEIVED),
        ((), "nonsense"),
    ],
)
def test_invalid_transitions_are_refused_with_the_possible_steps(account, steps, target):
    complaint = walk(make_complaint(account), *steps)

    with pytest.raises(ValidationError, match="Mögliche nächste Schritte"):
        services.complaint_transition(complaint=complaint, to_status=target, user=None)

    complaint.refresh_from_db()
    assert complaint.status == (steps[-1] if steps else Status.RECEIVED)


def test_closing_requires_root_cause_and_remedy(account):
    complaint = walk(make_complaint(account), *TO_RESOLVED)

    with pytest.raises(ValidationError) as refused:
        services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, user=None)

    assert set(refused.value.message_dict) == {"root_cause", "remedy_given"}
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED


def test_reopening_a_closed_complaint_returns_it_to_the_analysis(account):
    complaint = walk(make_complaint(account), *TO_RESOLVED)
    complaint = services.complaint_transition(
        complaint=complaint,
        to_status=Status.CLOSED,
        user=None,
        resolution={**RESOLUTION, "root_cause": root_cause()},
    )

    reopened = services.complaint_transition(
        complaint=complaint, to_status=Status.IN_ANALYSIS, user=None
    )

    assert reopened.status == Status.IN_ANALYSIS
    assert reopened.closed_at is None and reopened.resolved_at is None
    assert reopened.root_cause == root_cause()  # kept for the next closing


def test_waiting_for_the_customer_pushes_the_deadlines_back(account):
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        complaint = make_complaint(account, severity=Severity.CRITICAL)
        traveller.shift(1800)
        services.complaint_pause(complaint=complaint, user=None)
        traveller.move_to(datetime(2026, 3, 9, 14, 0, tzinfo=BERLIN))
        resumed = services.complaint_resume(complaint=complaint, user=None)

    assert resumed.paused_since is None
    assert resumed.pauses.count() == 1
    # 4.5 business hours paused: 11:00 → 15:30.
    assert resumed.acknowledge_due == datetime(2026, 3, 9, 15, 30, tzinfo=BERLIN)


def test_waiting_twice_is_refused(account):
    complaint = make_complaint(account)
    services.complaint_pause(complaint=complaint, user=None)

    with pytest.raises(ValidationError):
        services.complaint_pause(complaint=complaint, user=None)


def test_changing_the_severity_applies_the_other_sla(account):
    with time_machine.travel(MONDAY_9, tick=False):
        complaint = make_complaint(account, severity=Severity.LOW)
        updated = services.complaint_update(
            complaint=complaint, data={"severity": Severity.CRITICAL}
        )

    assert updated.acknowledge_hours == 2
    assert Complaint.objects.get(pk=complaint.pk).acknowledge_due == datetime(
        2026, 3, 9, 11, 0, tzinfo=BERLIN
    )


def test_a_negative_affected_value_is_refused_naming_the_field(account):
    with pytest.raises(ValidationError) as refused:
        make_complaint(account, affected_value=Decimal("-5"))

    assert "affected_value" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_parallel_creation_gives_unique_gapless_numbers(alice):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers anyway")
    ensure_defaults()
    account = AccountFactory(owner=alice)
    numbers: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def record() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                numbers.append(make_complaint(account).number)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = Counter.objects.get(kind="complaint").year
    assert sorted(numbers) == [f"REK-{year}-{n:05d}" for n in range(1, 41)]
