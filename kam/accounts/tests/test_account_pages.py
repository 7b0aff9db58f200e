"""The account list, detail page and forms as a user meets them."""

import pytest
from django.urls import reverse

from kam.accounts.models import Account, KeyAccountStatus, Stakeholder
from kam.testing.factories import AccountFactory, StakeholderFactory, TeamMembershipFactory


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_list_searches_by_number_and_name(logged_in, alice):
    AccountFactory(owner=alice, customer_number="10001", name="Bergmann Maschinenbau")
    AccountFactory(owner=alice, customer_number="20002", name="Hansa Logistik")

    by_name = logged_in.get(reverse("accounts:list"), {"q": "bergmann"})
    by_number = logged_in.get(reverse("accounts:list"), {"q": "2000"})

    assert [a.name for a in by_name.context["page"]] == ["Bergmann Maschinenbau"]
    assert [a.name for a in by_number.context["page"]] == ["Hansa Logistik"]


def test_list_filters_sorts_and_pages(logged_in, alice, settings):
    settings.KAM_PAGE_SIZE = 2
    for number, status in [
        ("3", KeyAccountStatus.KEY_ACCOUNT),
        ("1", "none"),
        ("2", "key_account"),
    ]:
        AccountFactory(owner=alice, customer_number=number, status=status)

    first = logged_in.get(reverse("accounts:list"), {"status": "key_account", "sort": "-number"})
    everything = logged_in.get(reverse("accounts:list"), {"sort": "number", "page": 2})

    assert [a.customer_number for a in first.context["page"]] == ["3", "2"]
    assert [a.customer_number for a in everything.context["page"]] == ["3"]


def test_list_shows_an_empty_state(logged_in):
    response = logged_in.get(reverse("accounts:list"), {"q": "nothing-like-this"})

    assert "Keine Kunden gefunden" in response.content.decode()


def test_htmx_search_returns_only_the_table(logged_in, alice):
    AccountFactory(owner=alice, name="Hansa Logistik")

    response = logged_in.get(reverse("accounts:list"), {"q": "Hansa"}, HTTP_HX_REQUEST="true")

    assert "<html" not in response.content.decode()
    assert "Hansa Logistik" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(logged_in, alice, django_assert_max_num_queries):
    parent = AccountFactory(owner=alice)
    AccountFactory.create_batch(30, owner=alice, parent=parent)

    # The figures add the latest run, the margin permission and the saved views (kam.lists).
    with django_assert_max_num_queries(14):
        logged_in.get(reverse("accounts:list"))


def test_detail_query_count_is_bounded(logged_in, alice, django_assert_max_num_queries):
    account = AccountFactory(owner=alice)
    AccountFactory.create_batch(10, owner=alice, parent=account)
    boss = StakeholderFactory(account=account)
    StakeholderFactory.create_batch(10, account=account, reports_to=boss)
    TeamMembershipFactory.create_batch(3, account=account)

    # The account page's own sections and every app's tab together (17 tabs since conditions,
    # profitability, campaigns, referrals and the group figures came in); each app guards its
    # tab's share in its own tests (referrals: 2 without referrals, kam/referrals/tests; the
    # campaigns' events tab: 1, kam/campaigns/tests/test_events.py).
    with django_assert_max_num_queries(67):
        response = logged_in.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200


def test_detail_shows_the_org_chart(logged_in, alice):
    account = AccountFactory(owner=alice)
    boss = StakeholderFactory(account=account, first_name="Anna", last_name="Chefin")
    StakeholderFactory(account=account, first_name="Jan", last_name="Einkauf", reports_to=boss)

    response = logged_in.get(reverse("accounts:detail", args=[account.pk]))

    chart = response.context["org_chart"]
    assert [node.stakeholder.last_name for node in chart] == ["Chefin"]
    assert [node.stakeholder.last_name for node in chart[0].children] == ["Einkauf"]


def test_create_validates_with_clear_messages(logged_in):
    response = logged_in.post(
        reverse("accounts:create"),
        {
            "customer_number": "",
            "name": "",
            "country": "DE",
            "status": "none",
            "parent_number": "X",
        },
    )

    form = response.context["form"]
    assert "customer_number" in form.errors and "name" in form.errors
    assert "Nummer X" in str(form.errors["parent_number"])
    assert not Account.objects.exists()


def test_create_makes_an_account_with_history(logged_in, alice):
    response = logged_in.post(
        reverse("accounts:create"),
        {
            "customer_number": "4711",
            "name": "Neu GmbH",
            "country": "DE",
            "status": "none",
            "owner": alice.pk,
        },
    )

    account = Account.objects.get(customer_number="4711")
    assert response.status_code == 302
    record = account.history.get()
    assert record.history_user == alice and record.history_source == "ui"


def test_update_refuses_a_cycle_in_the_group(logged_in, alice):
    top = AccountFactory(owner=alice, customer_number="T")
    member = AccountFactory(owner=alice, customer_number="M", parent=top)

    response = logged_in.post(
        reverse("accounts:update", args=[top.pk]),
        {
            "customer_number": "T",
            "name": top.name,
            "country": "DE",
            "status": "none",
            "parent_number": "M",
        },
    )

    assert response.status_code == 200
    assert "unter sich selbst" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None and member.parent_id == top.pk


def test_update_records_old_and_new_values(logged_in, alice):
    account = AccountFactory(owner=alice, name="Alt GmbH", customer_number="5")

    logged_in.post(
        reverse("accounts:update", args=[account.pk]),
        {
            "customer_number": "5",
            "name": "Neu GmbH",
            "country": "DE",
            "status": "candidate",
            "owner": alice.pk,
        },
    )

    page = logged_in.get(reverse("accounts:detail", args=[account.pk]))
    latest = page.context["history"][0]
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["Name"] == ("Alt GmbH", "Neu GmbH")


def test_delete_asks_first_and_refuses_accounts_with_members(client, leader):
    client.force_login(leader)
    top = AccountFactory()
    AccountFactory(parent=top)

    confirm = client.get(reverse("accounts:delete", args=[top.pk]))
    refused = client.post(reverse("accounts:delete", args=[top.pk]), follow=True)

    assert "wirklich gelöscht" in confirm.content.decode()
    assert "kann nicht gelöscht werden" in refused.content.decode()
    assert Account.objects.filter(pk=top.pk).exists()


def test_stakeholder_cannot_report_in_a_circle(logged_in, alice):
    account = AccountFactory(owner=alice)
    boss = StakeholderFactory(account=account)
    worker = StakeholderFactory(account=account, reports_to=boss)

    response = logged_in.post(
        reverse("accounts:stakeholder_update", args=[account.pk, boss.pk]),
        {
            "last_name": boss.last_name,
            "influence": 3,
            "attitude": "neutral",
            "reports_to": worker.pk,
        },
    )

    assert "Kreis" in response.content.decode()
    boss.refresh_from_db()
    assert boss.reports_to is None


def test_stakeholder_influence_is_1_to_5(logged_in, alice):
    account = AccountFactory(owner=alice)

    response = logged_in.post(
        reverse("accounts:stakeholder_create", args=[account.pk]),
        {"last_name": "Neu", "influence": 9, "attitude": "neutral"},
    )

    assert "influence" in response.context["form"].errors
    assert not Stakeholder.objects.exists()


def test_english_by_user_setting(client, alice):
    alice.language = "en"
    alice.save()
    client.force_login(alice)

    response = client.get(reverse("accounts:list"))

    assert "Search customer number or name" in response.content.decode()


def test_german_is_the_default(logged_in):
    response = logged_in.get(reverse("accounts:list"))

    assert "Kundennummer oder Name suchen" in response.content.decode()


def test_large_ids_are_never_written_with_thousands_separators(logged_in, alice):
    account = AccountFactory(owner=alice, pk=12345)

    page = logged_in.get(reverse("accounts:detail", args=[account.pk])).content.decode()

    assert "12345" in page
    assert "12.345" not in page and "12,345" not in page
