"""Activities, coverage and agenda pages as users meet them: visibility, quick entry, bad input."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.accounts.models import Account, BuyingRole, KeyAccountStatus
from kam.activities.coverage import contact_coverage_for_users, coverage_by_owner
from kam.activities.models import Activity, ActivityStatus, CadenceRule, StakeholderRelationship
from kam.activities.tests.factories import ActivityFactory
from kam.activities.timeline import account_timeline
from kam.core.plugins import account_panels
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_activity_list_shows_only_activities_on_visible_accounts(logged_in, alice, carol):
    ActivityFactory(account=AccountFactory(owner=alice), subject="Eigener Besuch")
    ActivityFactory(account=AccountFactory(owner=carol), subject="Fremder Besuch")

    page = logged_in.get(reverse("activities:list")).context["page"]

    assert [a.subject for a in page] == ["Eigener Besuch"]


def test_activity_list_filters_by_kind_and_searches(logged_in, alice):
    account = AccountFactory(owner=alice, name="Hansa Logistik")
    ActivityFactory(account=account, kind="phone", subject="Preisanfrage")
    ActivityFactory(account=account, kind="visit", subject="Jahresgespräch")

    phones = logged_in.get(reverse("activities:list"), {"kind": "phone"}).context["page"]
    found = logged_in.get(reverse("activities:list"), {"q": "jahres"}).context["page"]

    assert [a.subject for a in phones] == ["Preisanfrage"]
    assert [a.subject for a in found] == ["Jahresgespräch"]


def test_activity_list_query_count_does_not_grow(logged_in, alice, django_assert_max_num_queries):
    for account in AccountFactory.create_batch(10, owner=alice):
        ActivityFactory.create_batch(3, account=account)

    with django_assert_max_num_queries(8):
        response = logged_in.get(reverse("activities:list"))
    assert len(response.context["page"]) == 30


def test_quick_entry_logs_a_done_visit_now(logged_in, alice):
    account = AccountFactory(owner=alice)
    when = (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")

    response = logged_in.post(
        reverse("activities:quick_create", args=[account.pk]),
        {
            "kind": "visit",
            "starts_at": when,
            "subject": "Besuch Einkauf",
            "outcome": "Rahmenvertrag verlängert",
            "next_step": "Angebot schicken",
            "next_step_due": "2030-01-15",
        },
    )

    assert response.status_code == 302 and response.url.endswith("#contacts")
    activity = Activity.objects.get(account=account)
    assert (activity.status, activity.owner, activity.next_step_due) == (
        ActivityStatus.DONE,
        alice,
        date(2030, 1, 15),
    )


def test_quick_entry_in_the_future_is_a_planned_appointment(logged_in, alice):
    account = AccountFactory(owner=alice)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    logged_in.post(
        reverse("activities:quick_create", args=[account.pk]),
        {"kind": "visit", "starts_at": later, "subject": "Termin"},
    )

    assert Activity.objects.get().status == ActivityStatus.PLANNED


def test_quick_entry_with_bad_input_names_the_field_in_german(logged_in, alice):
    account = AccountFactory(owner=alice)

    response = logged_in.post(
        reverse("activities:quick_create", args=[account.pk]),
        {"kind": "besuch", "starts_at": "gestern", "subject": "", "next_step_due": "2030-01-01"},
    )

    form = response.context["form"]
    assert response.status_code == 400
    assert set(form.errors) == {"kind", "starts_at", "subject", "next_step"}
    assert "Bitte den nächsten Schritt" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_read_only_team_member_cannot_log(client, alice, sam):
    account = AccountFactory(owner=alice)
    client.force_login(sam)

    response = client.post(
        reverse("activities:quick_create", args=[account.pk]),
        {"kind": "visit", "starts_at": "2026-01-01T10:00", "subject": "x"},
    )

    assert response.status_code == 403 and not Activity.objects.exists()


def test_activity_form_refuses_a_stakeholder_of_another_account(logged_in, alice):
    account = AccountFactory(owner=alice)
    other = StakeholderFactory(account=AccountFactory(owner=alice))

    response = logged_in.post(
        reverse("activities:create", args=[account.pk]),
        {
            "kind": "visit",
            "status": "done",
            "starts_at": "2026-01-01T10:00",
            "duration_minutes": 60,
            "subject": "Besuch",
            "stakeholders": [other.pk],
        },
    )

    assert "stakeholders" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_agenda_shows_the_week_and_due_next_steps(logged_in, alice):
    account = AccountFactory(owner=alice, name="Bergmann")
    with time_machine.travel(datetime(2026, 3, 4, 9, tzinfo=UTC), tick=False):
        ActivityFactory(
            account=account,
            status=ActivityStatus.PLANNED,
            starts_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
            subject="Werksbesuch",
        )
        ActivityFactory(account=account, next_step="Muster liefern", next_step_due=date(2026, 3, 6))

        response = logged_in.get(reverse("activities:agenda"))

    day = response.context["days"][date(2026, 3, 5)]
    assert [a.subject for a in day] == ["Werksbesuch"]
    assert [a.next_step for a in response.context["due_steps"]] == ["Muster liefern"]


def test_the_month_view_puts_appointments_on_their_days_in_whole_weeks(logged_in, alice, carol):
    account = AccountFactory(owner=alice, name="Bergmann")
    for hour in range(8, 14):  # six on one day: four are listed, then "2 weitere"
        ActivityFactory(account=account, starts_at=datetime(2026, 3, 17, hour, tzinfo=UTC))
    ActivityFactory(
        account=account, subject="Messe", starts_at=datetime(2026, 3, 31, 9, tzinfo=UTC)
    )
    ActivityFactory(
        account=AccountFactory(owner=carol), starts_at=datetime(2026, 3, 18, 9, tzinfo=UTC)
    )

    response = logged_in.get(reverse("activities:agenda"), {"view": "month", "month": "2026-03-20"})

    weeks = response.context["weeks"]
    cells = {day: (items, more) for week in weeks for day, items, more in week}
    # March 2026 begins on a Sunday: the grid runs from Monday 23 February to Sunday 5 April.
    assert len(weeks) == 6 and all(len(week) == 7 for week in weeks)
    assert min(cells) == date(2026, 2, 23) and max(cells) == date(2026, 4, 5)
    assert len(cells[date(2026, 3, 17)][0]) == 4 and cells[date(2026, 3, 17)][1] == 2
    assert [a.subject for a in cells[date(2026, 3, 31)][0]] == ["Messe"]
    assert cells[date(2026, 3, 18)] == ([], 0)  # another manager's appointment
    page = response.content.decode()
    assert "März 2026" in page and "2 weitere" in page
    assert "month=2026-02-01" in page and "month=2026-04-01" in page


def test_agenda_names_a_bad_week_and_shows_this_week(logged_in):
    response = logged_in.get(reverse("activities:agenda"), {"week": "KW 12"})

    assert response.status_code == 200
    assert "Woche: „KW 12“ ist kein Datum." in response.content.decode()


def test_the_month_view_names_a_bad_month_and_shows_this_month(logged_in):
    with time_machine.travel(datetime(2026, 3, 4, 9, tzinfo=UTC), tick=False):
        response = logged_in.get(reverse("activities:agenda"), {"view": "month", "month": "03/26"})

    assert response.status_code == 200 and response.context["month"] == date(2026, 3, 1)
    assert "Monat: „03/26“ ist kein Datum." in response.content.decode()


def test_the_team_agenda_of_a_manager_includes_the_reports(logged_in, alice, bob, carol):
    account = AccountFactory(owner=alice)
    ActivityFactory(account=account, owner=bob, subject="Besuch Bob", starts_at=timezone.now())

    mine = logged_in.get(reverse("activities:agenda")).context["days"]
    team = logged_in.get(reverse("activities:agenda"), {"scope": "team"}).context["days"]

    assert not any(mine.values())
    assert [a.subject for day in team.values() for a in day] == ["Besuch Bob"]


def test_a_foreign_person_in_the_agenda_falls_back_to_oneself(logged_in, alice, carol):
    ActivityFactory(account=AccountFactory(owner=carol), starts_at=timezone.now())

    response = logged_in.get(reverse("activities:agenda"), {"person": carol.pk})

    assert response.context["person"] == str(alice.pk)
    assert not any(response.context["days"].values())


def test_next_step_done_disappears_from_the_agenda(logged_in, alice):
    activity = ActivityFactory(
        account=AccountFactory(owner=alice), next_step="Anrufen", next_step_due=date(2020, 1, 1)
    )

    logged_in.post(reverse("activities:next_step_done", args=[activity.pk]), {"next": "//evil"})

    activity.refresh_from_db()
    assert activity.next_step_done
    assert not logged_in.get(reverse("activities:agenda")).context["due_steps"]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_coverage_page_lists_overdue_accounts_and_gaps(logged_in, alice, carol):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        late = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC, name="Spät AG")
        fine = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC, name="Gut AG")
        AccountFactory(owner=carol, status=KeyAccountStatus.STRATEGIC, name="Fremd AG")
        boss = StakeholderFactory(account=late, buying_role=BuyingRole.DECISION_MAKER)
    ActivityFactory(account=fine, starts_at=at(date(2026, 2, 1)))

    with time_machine.travel(at(date(2026, 2, 10)), tick=False):
        response = logged_in.get(reverse("activities:coverage"))

    assert [e.account for e in response.context["page"]] == [late]
    assert list(response.context["uncovered"]) == [boss]
    assert boss in response.context["stale"]
    [row] = response.context["by_owner"]
    assert (row.owner, row.accounts, row.overdue, row.percent) == (alice, 2, 1, 0.5)


def test_coverage_page_query_count_does_not_grow_with_accounts(logged_in, alice):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            logged_in.get(reverse("activities:coverage"))
        return len(queries)

    def add_accounts(count: int) -> None:
        for account in AccountFactory.create_batch(
            count, owner=alice, status=KeyAccountStatus.STRATEGIC
        ):
            ActivityFactory(account=account)
            StakeholderFactory(account=account, buying_role=BuyingRole.DECISION_MAKER)

    add_accounts(1)
    few = queries_for_page()
    add_accounts(15)

    assert queries_for_page() == few


def test_coverage_selectors_for_the_cockpit(alice, carol):
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        AccountFactory(owner=alice, status=KeyAccountStatus.CANDIDATE)
        AccountFactory(owner=carol, status=KeyAccountStatus.CANDIDATE)
        AccountFactory(owner=carol, status=KeyAccountStatus.NONE)  # no rule: does not count

    with time_machine.travel(at(date(2026, 2, 1)), tick=False):
        by_user = contact_coverage_for_users([alice])
        everyone = coverage_by_owner()
        seen_by_alice = coverage_by_owner(viewer=alice)

    assert list(by_user) == [alice.pk] and by_user[alice.pk].percent == 1.0
    assert {row.owner for row in everyone} == {alice, carol}
    assert [row.owner for row in seen_by_alice] == [alice]


def test_relationship_owner_closes_the_decision_maker_gap(logged_in, alice):
    account = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    boss = StakeholderFactory(account=account, buying_role=BuyingRole.DECISION_MAKER)

    logged_in.post(
        reverse("activities:relationship_owner", args=[account.pk, boss.pk]), {"owner": alice.pk}
    )

    assert StakeholderRelationship.objects.get(stakeholder=boss).owner == alice
    assert not logged_in.get(reverse("activities:coverage")).context["uncovered"]


def test_leadership_edits_the_company_cadence(client, leader):
    client.force_login(leader)

    client.post(
        reverse("activities:cadence_rules"),
        {"strategic-visit_every_days": "21", "strategic-contact_every_days": "7"},
    )

    rule = CadenceRule.objects.get(account_status="strategic")
    assert (rule.visit_every_days, rule.contact_every_days) == (21, 7)


def test_cadence_rules_refuse_nonsense_with_a_german_message(client, leader):
    client.force_login(leader)

    response = client.post(
        reverse("activities:cadence_rules"), {"strategic-visit_every_days": "-3"}
    )

    assert response.status_code == 200
    assert "Dieser Wert muss größer oder gleich" in response.content.decode()
    assert CadenceRule.objects.get(account_status="strategic").visit_every_days == 28


def test_an_account_override_can_be_set_and_cleared(client, leader, alice):
    account = AccountFactory(owner=alice)
    client.force_login(leader)
    url = reverse("activities:account_cadence", args=[account.pk])

    client.post(url, {"visit_every_days": "14", "contact_every_days": "", "reason": "Projekt"})
    has_override = Account.objects.filter(cadence_override__visit_every_days=14).exists()
    client.post(url, {"clear": "1"})

    assert has_override
    assert not Account.objects.filter(cadence_override__isnull=False).exists()


def test_timeline_collects_activities_and_status_changes(logged_in, alice):
    account = AccountFactory(owner=alice)
    ActivityFactory(account=account, subject="Besuch")
    account.status = KeyAccountStatus.KEY_ACCOUNT
    account.save()

    entries = account_timeline(account, alice)
    statuses = logged_in.get(
        reverse("activities:timeline", args=[account.pk]), {"kind": "status"}
    ).context["page"]

    assert {entry.kind for entry in entries} == {"activity", "status"}
    assert [entry.title for entry in statuses] == ["Status: kein Key Account → Key Account"]


def test_the_account_page_renders_the_contacts_and_plan_tabs(logged_in, alice):
    account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
    ActivityFactory(account=account, subject="Jahresgespräch")

    page = logged_in.get(reverse("accounts:detail", args=[account.pk])).content.decode()

    assert "Kontakt speichern" in page and "Jahresgespräch" in page
    assert "Besuch alle 28 Tage" in page and "Account-Plan anlegen" in page
    tabs = page[page.index('class="tab-content') :]  # the top bar's bell and search load by htmx
    assert "hx-trigger" not in tabs


def test_every_panel_is_rendered_with_the_page(rf, alice):
    """One mechanism for all tabs: each is a template rendered with the page, none is a
    placeholder that loads later."""
    account = AccountFactory(owner=alice)
    request = rf.get("/")
    request.user = alice

    panels = account_panels(request, account)

    assert {panel.id for panel in panels} >= {"sales", "analysis", "complaints", "contacts", "plan"}
    assert not [panel.id for panel in panels if "url" in panel.context]


def test_the_tabs_take_few_queries(rf, alice, django_assert_max_num_queries):
    from kam.activities.panels import account_panels as activity_panels

    account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
    for stakeholder in StakeholderFactory.create_batch(6, account=account):
        ActivityFactory(account=account).stakeholders.add(stakeholder)
    request = rf.get("/")
    request.user = alice

    with django_assert_max_num_queries(14):
        for panel in activity_panels(request, account):
            render_to_string(panel.template, {"account": account, **panel.context})


def test_the_cadence_page_recreates_missing_rules_from_the_defaults(client, leader):
    CadenceRule.objects.all().delete()
    client.force_login(leader)

    shown = client.get(reverse("activities:cadence_rules")).context["forms"]
    client.post(
        reverse("activities:cadence_rules"),
        {"strategic-visit_every_days": "20", "key_account-visit_every_days": "91"},
    )

    assert [form.instance.account_status for form in shown] == [
        "none",
        "candidate",
        "key_account",
        "strategic",
        "abc_A",
        "abc_B",
        "abc_C",
    ]
    assert CadenceRule.objects.get(account_status="strategic").visit_every_days == 20
    assert CadenceRule.objects.count() == 7
