"""Bulk "add to segment" from the account list: confirmation first, only visible accounts,
only segments the user may change, one audit event; the segment then reaches those accounts."""

import pytest
from django.urls import reverse

from kam.accounts.models import KeyAccountStatus
from kam.campaigns.models import Segment
from kam.campaigns.segments import segment_save, segment_stakeholders
from kam.core.models import BulkEvent
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def _bulk(client, **data):
    return client.post(reverse("lists:bulk"), data)


def test_accounts_are_added_to_a_new_segment_after_confirmation_with_one_audit_event(
    client, alice, carol
):
    own = [AccountFactory(owner=alice) for _ in range(2)]
    foreign = AccountFactory(owner=carol)  # not visible to alice
    people = [StakeholderFactory(account=account) for account in own]
    StakeholderFactory(account=AccountFactory(owner=alice))  # not added
    client.force_login(alice)
    data = {
        "action": "add_to_segment",
        "ids": [own[0].pk, own[1].pk, foreign.pk],
        "segment_name": "Messe Hannover",
    }

    confirm = _bulk(client, **data)

    assert confirm.status_code == 200 and "Messe Hannover" in confirm.content.decode()
    assert foreign.name not in confirm.content.decode()
    assert not Segment.objects.exists()
    done = _bulk(client, **data, confirm="yes")

    assert done.status_code == 302
    segment = Segment.objects.get()
    assert (segment.name, segment.created_by) == ("Messe Hannover", alice)
    assert set(segment_stakeholders(segment=segment, user=alice)) == set(people)
    event = BulkEvent.objects.get()
    assert (event.action, event.row_count, event.user) == ("segments.add_accounts", 2, alice)
    assert sorted(event.account_ids) == sorted(a.pk for a in own)


def test_added_accounts_join_what_the_segments_filters_select_and_survive_an_edit(client, alice):
    key = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    other = AccountFactory(owner=alice, status=KeyAccountStatus.NONE)
    people = [StakeholderFactory(account=key), StakeholderFactory(account=other)]
    segment = segment_save(
        segment=None, name="Key Accounts", filters={"status": ["key_account"]}, user=alice
    )
    client.force_login(alice)

    _bulk(client, action="add_to_segment", ids=[other.pk], segment=segment.pk, confirm="yes")
    segment.refresh_from_db()
    edited = segment_save(
        segment=segment, name="Key Accounts+", filters={"status": ["key_account"]}, user=alice
    )

    assert set(segment_stakeholders(segment=edited, user=alice)) == set(people)


def test_only_the_segments_creator_or_leadership_may_add_to_it(client, alice, carol, leader):
    segment = segment_save(segment=None, name="Carols", filters={"status": ["none"]}, user=carol)
    account = AccountFactory(owner=alice)
    client.force_login(alice)

    _bulk(client, action="add_to_segment", ids=[account.pk], segment=segment.pk, confirm="yes")
    segment.refresh_from_db()
    client.force_login(leader)
    _bulk(client, action="add_to_segment", ids=[account.pk], segment=segment.pk, confirm="yes")

    assert BulkEvent.objects.get().user == leader
    segment.refresh_from_db()
    assert segment.filters["accounts"] == [account.pk]


def test_a_segment_without_filters_is_not_narrowed_by_adding(client, alice):
    everyone = segment_save(segment=None, name="Alle", filters={}, user=alice)
    account = AccountFactory(owner=alice)
    client.force_login(alice)

    response = _bulk(
        client, action="add_to_segment", ids=[account.pk], segment=everyone.pk, confirm="yes"
    )

    assert response.status_code == 302
    everyone.refresh_from_db()
    assert everyone.filters == {} and not BulkEvent.objects.exists()


def test_customer_service_may_not_add_to_segments(client, sam):
    account = AccountFactory()
    client.force_login(sam)

    response = _bulk(client, action="add_to_segment", ids=[account.pk], segment_name="x")

    assert response.status_code == 403
    assert not Segment.objects.exists()


def test_the_list_offers_the_segments_the_user_may_change(client, alice, carol):
    segment_save(segment=None, name="Meins", filters={"status": ["none"]}, user=alice)
    segment_save(segment=None, name="Fremd", filters={"status": ["none"]}, user=carol)
    client.force_login(alice)

    page = client.get(reverse("accounts:list")).content.decode()

    assert 'id="bulk-segment"' in page and "Meins" in page and "Fremd" not in page
