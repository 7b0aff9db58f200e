"""Prospect numbers (INT-00001) come from kam.core.numbering: safe when two prospects are
created at once, and a number typed by hand before is skipped."""

import threading

import pytest
from django.db import transaction

from kam.accounts.models import Account
from kam.referrals import services
from kam.testing.concurrency import in_thread, postgres_only, until_someone_waits_for_a_lock
from kam.testing.factories import AccountFactory


@pytest.mark.django_db
def test_prospects_are_numbered_in_turn_and_a_number_given_by_hand_is_skipped():
    first = services.prospect_create(name="Erste GmbH")
    AccountFactory(customer_number="INT-00002")
    third = services.prospect_create(name="Dritte GmbH")
    assert (first.customer_number, third.customer_number) == ("INT-00001", "INT-00003")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_prospects_created_at_once_get_distinct_numbers():
    """A creates a prospect and keeps its transaction open; B creates one at the same time (and
    waits); both are saved, with consecutive numbers. "The highest number plus one" gave both
    the same number, and B failed on the unique customer number."""
    created, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            services.prospect_create(name="A GmbH")
            created.set()
            assert release.wait(30)

    a, a_errors = in_thread(first)
    assert created.wait(30)
    b, b_errors = in_thread(lambda: services.prospect_create(name="B GmbH"))
    until_someone_waits_for_a_lock(release)
    release.set()
    a.join(30)
    b.join(30)
    assert a_errors == b_errors == []
    numbers = dict(Account.objects.values_list("name", "customer_number"))
    assert numbers == {"A GmbH": "INT-00001", "B GmbH": "INT-00002"}
