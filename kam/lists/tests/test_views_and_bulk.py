"""Saved views per user, and bulk actions: confirmation first, one audit event, only on the
accounts the user may edit."""

import pytest
from django.urls import reverse

from kam.accounts.models import Account, KeyAccountStatus
from kam.core.models import BulkEvent
from kam.lists.models import SavedView
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


def test_a_saved_view_keeps_filters_columns_and_sort_and_opens_them_again(client, alice):
    AccountFactory(owner=alice, name="Hansa Logistik", status=KeyAccountStatus.KEY_ACCOUNT)
    AccountFactory(owner=alice, name="Bergmann", status=KeyAccountStatus.NONE)
    client.force_login(alice)
    query = "status=key_account&col=revenue&col=score&sort=-revenue&page=3"

    response = client.post(
        reverse("lists:view_save"), {"name": "Meine Key Accounts", "query": query}
    )

    view = SavedView.objects.get(user=alice)
    assert view.name == "Meine Key Accounts"
    assert response.url == reverse("accounts:list") + "?" + view.query
    opened = client.get(response.url)
    assert [a.name for a in opened.context["page"]] == ["Hansa Logistik"]
    assert [c.key for c in opened.context["view"].columns] == ["revenue", "score"]
    assert opened.context["sort"] == "-revenue"


def test_saving_under_the_same_name_replaces_the_view(client, alice):
    client.force_login(alice)
    client.post(reverse("lists:view_save"), {"name": "Ansicht", "query": "status=candidate"})
    client.post(reverse("lists:view_save"), {"name": "Ansicht", "query": "status=strategic"})

    assert list(SavedView.objects.values_list("query", flat=True)) == ["status=strategic"]


def test_saved_views_are_personal(client, alice, carol):
    mine = SavedView.objects.create(user=alice, name="<b>Alices</b> Sicht", query="q=a")
    client.force_login(carol)

    html = client.get(reverse("accounts:list")).content.decode()
    deleted = client.post(reverse("lists:view_delete", args=[mine.pk]))

    assert "Alices" not in html
    assert deleted.status_code == 404 and SavedView.objects.filter(pk=mine.pk).exists()
    client.force_login(alice)
    assert (
        "&lt;b&gt;Alices&lt;/b&gt; Sicht" in client.get(reverse("accounts:list")).content.decode()
    )


def test_a_view_without_a_name_is_refused_with_a_message(client, alice):
    client.force_login(alice)

    response = client.post(reverse("lists:view_save"), {"name": "  ", "query": "q=x"}, follow=True)

    assert not SavedView.objects.exists()
    assert "Namen" in response.content.decode()


def _bulk(client, **data):
    return client.post(reverse("lists:bulk"), data)


def test_setting_the_status_asks_first_then_changes_with_one_audit_event(client, alice, bob):
    own = [AccountFactory(owner=alice) for _ in range(3)]
    client.force_login(alice)
    data = {
        "action": "set_status",
        "ids": [a.pk for a in own],
        "status": "candidate",
        "reason": "Potenzial laut Jahresgespräch",
        "list_query": "status=none",
    }

    confirm = _bulk(client, **data)

    assert confirm.status_code == 200 and 'id="bulk-confirm"' in confirm.content.decode()
    assert not Account.objects.filter(status="candidate").exists()
    done = _bulk(client, **data, confirm="yes")

    assert done.status_code == 302 and done.url == reverse("accounts:list") + "?status=none"
    assert Account.objects.filter(status="candidate").count() == 3
    event = BulkEvent.objects.get()
    assert (event.action, event.row_count, event.user) == ("accounts.set_status", 3, alice)
    assert sorted(event.account_ids) == sorted(a.pk for a in own)
    assert "Potenzial laut Jahresgespräch" in event.summary
    history = own[0].history.first()
    assert history.history_change_reason == "Potenzial laut Jahresgespräch"


def test_bulk_changes_only_the_accounts_the_user_may_edit(client, alice, carol):
    own = AccountFactory(owner=alice)
    foreign = AccountFactory(owner=carol)
    read_only = AccountFactory(owner=carol)
    TeamMembershipFactory(account=read_only, user=alice)  # a read seat: visible, not editable
    client.force_login(alice)
    data = {"action": "assign_owner", "ids": [own.pk, foreign.pk, read_only.pk]}
    data["owner"] = carol.pk

    confirm = _bulk(client, **data).content.decode()
    _bulk(client, **data, confirm="yes")

    assert 'id="bulk-skipped"' in confirm
    assert Account.objects.get(pk=own.pk).owner == carol
    assert Account.objects.get(pk=read_only.pk).owner == carol  # it was carol's already
    event = BulkEvent.objects.get()
    assert event.account_ids == [own.pk] and event.row_count == 1


def test_customer_service_may_not_use_bulk_actions(client, sam):
    account = AccountFactory()
    client.force_login(sam)

    response = _bulk(client, action="set_status", ids=[account.pk], status="candidate", reason="x")

    assert response.status_code == 403
    assert 'id="bulk-form"' not in client.get(reverse("accounts:list")).content.decode()


def test_a_status_without_a_reason_is_refused(client, alice):
    account = AccountFactory(owner=alice)
    client.force_login(alice)

    response = _bulk(
        client, action="set_status", ids=[account.pk], status="candidate", confirm="yes"
    )

    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).status == KeyAccountStatus.NONE
    assert not BulkEvent.objects.exists()


@pytest.mark.parametrize("ids", [["abc"], ["99999999999999999999999"], []])
def test_bad_selections_never_crash(client, alice, ids):
    client.force_login(alice)

    response = _bulk(client, action="assign_owner", ids=ids, owner=alice.pk)

    assert response.status_code == 302
    assert not BulkEvent.objects.exists()
