"""Notifications: created once per key, read state per user, the inbox and the bell."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from kam.notifications import selectors, services
from kam.notifications.models import Notification
from kam.notifications.services import notifications_mark_read, notify
from kam.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_puts_a_notification_into_the_inbox(alice):
    notification = notify(
        recipient=alice, kind="escalation", title="REK-2026-00001 verletzt", url="/complaints/1/"
    )

    assert notification is not None
    assert list(selectors.notifications_for(alice)) == [notification]
    assert selectors.unread_count(alice) == 1
    assert notification.read_at is None


def test_a_second_notify_with_the_same_key_creates_nothing(alice):
    first = notify(recipient=alice, kind="proposal", title="1 Vorschlag", key="proposals:7")
    second = notify(recipient=alice, kind="proposal", title="1 Vorschlag", key="proposals:7")

    assert first is not None and second is None
    assert Notification.objects.filter(recipient=alice).count() == 1


def test_the_key_is_per_recipient(alice, bob):
    notify(recipient=alice, kind="proposal", title="x", key="proposals:7")
    to_bob = notify(recipient=bob, kind="proposal", title="x", key="proposals:7")

    assert to_bob is not None


def test_without_a_key_every_call_creates_one(alice):
    notify(recipient=alice, kind="mention", title="a")
    notify(recipient=alice, kind="mention", title="a")

    assert selectors.unread_count(alice) == 2


def test_a_lost_race_inside_a_transaction_leaves_the_callers_work_intact(alice, django_db_blocker):
    """The other process recorded it first: the insert fails on the unique key, the caller's
    transaction goes on (the insert had its own savepoint)."""
    from django.db import transaction

    Notification.objects.create(recipient=alice, kind="x", title="first", key="k")
    with transaction.atomic():
        UserFactory(username="made-in-the-same-transaction")
        assert notify(recipient=alice, kind="x", title="second", key="k") is None

    assert Notification.objects.filter(recipient=alice, key="k").count() == 1
    assert UserFactory._meta.model.objects.filter(username="made-in-the-same-transaction").exists()


@pytest.mark.django_db(transaction=True)
def test_two_threads_notifying_at_once_record_one(alice):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    results: list = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(notify(recipient=alice, kind="x", title="t", key="same"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is None for result in results) == [False, True]
    assert Notification.objects.filter(recipient=alice, key="same").count() == 1


def test_an_inactive_user_gets_nothing(alice):
    alice.is_active = False
    alice.save()

    assert notify(recipient=alice, kind="x", title="t") is None


def test_a_script_link_is_never_stored(alice):
    notification = notify(recipient=alice, kind="x", title="t", url="javascript:alert(1)")

    assert notification is not None and notification.url == ""


def test_marking_read_touches_only_the_users_own(alice, bob):
    mine = notify(recipient=alice, kind="x", title="mine")
    other = notify(recipient=alice, kind="x", title="other")
    bobs = notify(recipient=bob, kind="x", title="bob's")
    assert mine and other and bobs

    marked = notifications_mark_read(user=alice, ids=[mine.pk, bobs.pk])

    assert marked == 1
    assert selectors.unread_count(alice) == 1
    assert selectors.unread_count(bob) == 1


def test_mark_all_read(alice):
    for title in ("a", "b", "c"):
        notify(recipient=alice, kind="x", title=title)

    assert notifications_mark_read(user=alice) == 3
    assert selectors.unread_count(alice) == 0


def test_mail_only_when_the_user_asked_for_it(alice, bob, django_capture_on_commit_callbacks):
    services.notification_preference_set(user=alice, by_mail=True)

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, kind="x", title="Für Alice <b>", url="/accounts/1/")
        notify(recipient=bob, kind="x", title="Für Bob")

    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert "Für Alice <b>" in mail.outbox[0].subject
    assert "/accounts/1/" in mail.outbox[0].body


def test_the_bell_shows_the_unread_count_with_one_query(client, alice, django_assert_num_queries):
    for title in ("a", "b"):
        notify(recipient=alice, kind="x", title=title)
    client.force_login(alice)
    client.get(reverse("notifications:bell"))  # the session is loaded once

    with django_assert_num_queries(3):  # session, user, the count
        html = client.get(reverse("notifications:bell")).content.decode()

    assert 'data-figure="unread">2<' in html


def test_every_page_loads_the_bell(client, alice):
    client.force_login(alice)

    page = client.get(reverse("settings")).content.decode()

    assert f'hx-get="{reverse("notifications:bell")}"' in page


def test_the_inbox_lists_escaped_titles_and_marks_one_read_on_open(client, alice):
    notification = notify(
        recipient=alice, kind="escalation", title="<script>x</script>", url="/complaints/"
    )
    assert notification is not None
    client.force_login(alice)

    page = client.get(reverse("notifications:inbox"))
    opened = client.post(reverse("notifications:open", kwargs={"pk": notification.pk}))

    assert "&lt;script&gt;x&lt;/script&gt;" in page.content.decode()
    assert opened.status_code == 302 and opened["Location"] == "/complaints/"
    assert selectors.unread_count(alice) == 0


def test_the_inbox_shows_unread_only_and_an_empty_state(client, alice):
    read = notify(recipient=alice, kind="x", title="already read")
    assert read is not None
    notifications_mark_read(user=alice, ids=[read.pk])
    client.force_login(alice)

    page = client.get(reverse("notifications:inbox") + "?show=unread").content.decode()

    assert "already read" not in page
    assert "Keine ungelesenen Benachrichtigungen" in page


def test_the_inbox_is_paginated(client, alice, settings):
    settings.KAM_PAGE_SIZE = 5
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind="x", title=f"n{i}") for i in range(12)
    )
    client.force_login(alice)

    page = client.get(reverse("notifications:inbox") + "?page=3")

    assert len(page.context["page"].object_list) == 2


def test_the_mail_setting_is_saved(client, alice):
    client.force_login(alice)

    client.post(reverse("notifications:settings"), {"by_mail": "on"})

    assert services.wants_mail(alice)
