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


# --- complaints: the description and the notes written with a step, a pause or an answer


def test_a_complaint_note_notifies_who_is_mentioned_and_may_see_it(alice, bob, carol, sam):
    from kam.complaints import services as complaint_services
    from kam.complaints.models import Status
    from kam.complaints.tests.factories import make_complaint

    account = AccountFactory(owner=alice, name="Alpha Maschinen")
    complaint = make_complaint(account, alice, subject="Palette beschädigt")

    complaint_services.complaint_transition(
        complaint=complaint,
        to_status=Status.ACKNOWLEDGED,
        user=alice,
        note="@sam bitte Gutschrift prüfen, @carol zur Info",
    )
    complaint_services.complaint_pause(complaint=complaint, user=sam, note="@alice Kunde fragt")

    [to_service] = mentions_of(sam)
    assert to_service.title.endswith(f"{complaint.number}: Palette beschädigt")
    assert to_service.url == reverse("complaints:detail", kwargs={"pk": complaint.pk})
    assert mentions_of(carol) == []  # cannot see Alpha Maschinen's complaints
    assert len(mentions_of(alice)) == 1 and str(sam) in mentions_of(alice)[0].title


def test_a_complaints_description_notifies_once_and_again_only_the_newly_mentioned(
    alice, leader, sam
):
    from kam.complaints import services as complaint_services
    from kam.complaints.tests.factories import make_complaint

    complaint = make_complaint(
        AccountFactory(owner=alice), alice, description="Bruch, @sam weiß Bescheid"
    )

    complaint_services.complaint_update(
        complaint=complaint, data={"description": "Bruch, @sam und @leader"}, editor=alice
    )
    complaint_services.complaint_update(
        complaint=complaint, data={"description": "Bruch, @sam und @leader!"}, editor=alice
    )

    assert len(mentions_of(sam)) == 1
    assert len(mentions_of(leader)) == 1
