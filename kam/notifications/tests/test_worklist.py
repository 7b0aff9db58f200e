"""Every role's worklist: what needs the user today, first on the start page."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kam.accounts.models import KeyAccountStatus
from kam.activities.tests.factories import AccountPlanFactory, ActivityFactory, PlanActionFactory
from kam.analysis.tests.factories import make_proposal
from kam.complaints.models import Severity
from kam.complaints.tests.factories import make_complaint
from kam.core.plugins import worklist
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # a Monday
TODAY = datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN)


def kinds(items) -> list[tuple[str, str]]:
    return [(item.kind, item.severity) for item in items]


@pytest.fixture
def service_complaints(sam, alice):
    account = AccountFactory(owner=alice, name="Böhm Pumpen")
    with time_machine.travel(RECEIVED, tick=False):
        overdue = make_complaint(account, sam, subject="Pumpe defekt", severity=Severity.HIGH)
    with time_machine.travel(TODAY - timedelta(hours=1), tick=False):
        fresh = make_complaint(account, sam, subject="Rechnung falsch", severity=Severity.LOW)
    return overdue, fresh


def test_service_sees_its_complaints_overdue_first(sam, service_complaints):
    overdue, fresh = service_complaints

    with time_machine.travel(TODAY, tick=False):
        items = worklist(sam)

    assert [item.url for item in items] == [
        reverse("complaints:detail", kwargs={"pk": overdue.pk}),
        reverse("complaints:detail", kwargs={"pk": fresh.pk}),
    ]
    assert items[0].severity == "danger" and items[0].account_name == "Böhm Pumpen"


def test_services_start_page_shows_its_overdue_complaint_and_accounts(
    client, sam, service_complaints
):
    overdue, _fresh = service_complaints
    client.force_login(sam)

    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("home")).content.decode()
        section = client.get(reverse("notifications:worklist")).content.decode()
        handled = client.get(reverse("complaints:handled_accounts")).content.decode()

    assert page.index('id="worklist-loader"') < page.index('id="service-table"')
    assert section.index(overdue.number) < section.index("Rechnung falsch")
    assert 'data-severity="danger"' in section
    assert 'id="handled-accounts"' in handled and "Böhm Pumpen" in handled


def test_a_key_account_manager_sees_contacts_next_steps_and_breaches(alice, carol, sam):
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=BERLIN), tick=False):
        key = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT, name="Key")
        ActivityFactory(
            account=key,
            starts_at=datetime(2026, 1, 1, 9, tzinfo=BERLIN),
            next_step="Angebot",
            next_step_due=date(2026, 3, 9),
        )
    with time_machine.travel(RECEIVED, tick=False):
        make_complaint(key, sam, subject="Kaputt", severity=Severity.HIGH)
        make_complaint(AccountFactory(owner=carol), sam, subject="Fremd", severity=Severity.HIGH)

    with time_machine.travel(TODAY, tick=False):
        items = worklist(alice)

    assert sorted(kinds(items)) == [
        ("complaint", "danger"),
        ("next_step", "danger"),
        ("overdue_contact", "danger"),
    ]
    assert all(item.account_name == "Key" for item in items)
    assert [item.due for item in items] == sorted(item.due for item in items)


def test_leadership_sees_proposals_and_overdue_plan_reviews(leader, alice):
    account = AccountFactory(owner=alice)
    for _ in range(2):
        make_proposal(AccountFactory(owner=alice))
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=BERLIN), tick=False):
        AccountPlanFactory(account=account, title="Plan Böhm", next_review_due=date(2026, 3, 1))

    with time_machine.travel(TODAY, tick=False):
        items = worklist(leader)

    assert sorted(kinds(items)) == [("plan_review", "danger"), ("proposal", "warning")]
    proposal = next(item for item in items if item.kind == "proposal")
    assert proposal.title == "2 Statusvorschläge warten auf Ihre Entscheidung"


def test_plan_actions_due_soon_reach_their_owner_only(alice, bob):
    plan = AccountPlanFactory(account=AccountFactory(owner=bob))
    PlanActionFactory(plan=plan, owner=bob, due_date=date(2026, 3, 11), title="Muster")

    with time_machine.travel(TODAY, tick=False):
        assert kinds(worklist(bob)) == [("plan_action", "info")]
        assert worklist(alice) == []


def test_a_user_with_nothing_due_sees_an_empty_state(client, alice):
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()
    section = client.get(reverse("notifications:worklist")).content.decode()

    assert 'id="worklist-loader"' in page
    assert 'id="worklist"' in section and "Nichts ist fällig" in section


def test_the_worklist_query_count_is_bounded(client, alice, django_assert_max_num_queries):
    for _ in range(10):
        ActivityFactory(
            account=AccountFactory(owner=alice), next_step="Anrufen", next_step_due=date(2026, 3, 9)
        )
    client.force_login(alice)

    # One or two queries per provider (activities, complaints, analysis, conditions, referrals),
    # whatever the number of items.
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(18):
        assert client.get(reverse("notifications:worklist")).status_code == 200
