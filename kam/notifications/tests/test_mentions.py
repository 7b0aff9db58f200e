"""@mentions in an activity's text notify the users named, who may see the account, once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.activities import services
from kam.notifications.models import Notification
from kam.notifications.services import mentioned_users
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


def visit(**changes) -> dict:
    starts_at = timezone.make_aware(datetime.datetime(2026, 11, 20, 10))
    data = {"kind": "visit", "status": "done", "subject": "Besuch", "starts_at": starts_at}
    return data | changes


def mentions_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="mention"))


def test_a_mention_notifies_who_may_see_the_account_and_no_one_else(alice, bob, carol, leader):
    account = AccountFactory(owner=alice, name="Alpha Maschinen")

    activity = services.activity_create(
        account=account,
        owner=alice,
        data=visit(outcome="@leader bitte freigeben, @Carol zur Info, @alice, Kopie an x@bob.de."),
    )

    [notification] = mentions_of(leader)
    assert notification.title.endswith("Alpha Maschinen: Besuch")
    assert str(alice) in notification.title and "erwähnt" in notification.title
    assert notification.url == reverse("activities:detail", kwargs={"pk": activity.pk})
    assert mentions_of(carol) == []  # cannot see Alpha Maschinen
    assert mentions_of(alice) == []  # the author
    assert mentions_of(bob) == []  # an e-mail address is no mention


def test_saving_again_notifies_only_who_is_newly_mentioned(alice, leader):
    leader.language = "en"
    leader.save(update_fields=["language"])
    account = AccountFactory(owner=alice)
    activity = services.activity_create(
        account=account, owner=alice, data=visit(next_step="@leader anrufen")
    )

    services.activity_update(activity=activity, data={"outcome": "@leader @alice"}, editor=leader)

    [notification] = mentions_of(leader)
    assert "mentioned you" in notification.title  # in the recipient's language
    assert mentions_of(alice)[0].title.startswith(str(leader))


def test_the_mention_is_shown_escaped_in_the_inbox(client, alice, leader):
    account = AccountFactory(owner=alice)
    services.activity_create(
        account=account, owner=alice, data=visit(subject="<img src=x onerror=alert(1)> @leader")
    )
    client.force_login(leader)

    page = client.get(reverse("notifications:inbox")).content.decode()

    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_mentions_are_found_case_insensitively_without_trailing_punctuation(alice, leader):
    assert set(mentioned_users("Danke @ALICE. Und @leader!")) == {leader, alice}
    assert mentioned_users("mail@alice.de, @nobody, @") == []
