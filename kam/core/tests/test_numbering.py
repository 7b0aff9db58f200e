"""Gap-free numbering (kam.core.numbering): consecutive, given back on rollback, distinct and
without gaps when two connections number at once (PostgreSQL: real threads, real row locks),
and the counters of the apps that used their own continue after the migration."""

import threading

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from kam.core import numbering
from kam.core.models import Counter
from kam.testing.concurrency import in_thread, postgres_only, until_someone_waits_for_a_lock


def take(kind="test", *, year=2026, rollback=False) -> int:
    with transaction.atomic():
        number = numbering.next_number(kind, year=year)
        if rollback:
            transaction.set_rollback(True)
    return number


@pytest.mark.django_db
def test_numbers_count_up_per_kind_and_year_and_a_rollback_gives_its_number_back():
    assert [take(), take()] == [1, 2]
    assert take(rollback=True) == 3
    assert take() == 3
    assert (take(year=2027), take("other")) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_number_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        numbering.next_number("test")


@pytest.mark.django_db
def test_a_counter_is_raised_to_numbers_handed_out_elsewhere_never_lowered():
    numbering.counter_raise("test", year=2026, last_number=7)
    numbering.counter_raise("test", year=2026, last_number=3)
    assert take() == 8


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_connections_numbering_at_once_get_consecutive_numbers():
    """A holds number 1 in its open transaction; B asks at the same time and waits on the row
    lock; A commits; B gets 2 (not 1 again)."""
    first_taken, release = threading.Event(), threading.Event()
    got: dict[str, int] = {}

    def first():
        with transaction.atomic():
            got["a"] = numbering.next_number("test", year=2026)
            first_taken.set()
            assert release.wait(30)

    def second():
        got["b"] = take()

    a, a_errors = in_thread(first)
    assert first_taken.wait(30)
    b, b_errors = in_thread(second)
    until_someone_waits_for_a_lock(release)
    assert "b" not in got
    release.set()
    a.join(30)
    b.join(30)
    assert a_errors == b_errors == []
    assert got == {"a": 1, "b": 2}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_numbers_at_once_are_distinct_and_without_gaps():
    """Four threads take 15 numbers each at the same time, every fifth in a transaction that
    rolls back: the numbers kept are exactly 1..48."""
    barrier = threading.Barrier(4)
    kept: list[int] = []

    def work():
        barrier.wait()
        for n in range(15):
            number = take(rollback=n % 5 == 4)
            if n % 5 != 4:
                kept.append(number)

    started = [in_thread(work) for _ in range(4)]
    for thread, _errors in started:
        thread.join(60)
    assert [error for _thread, errors in started for error in errors] == []
    assert sorted(kept) == list(range(1, 49))
    assert Counter.objects.get(kind="test", year=2026).last_number == 48


@pytest.mark.django_db(transaction=True)
def test_the_migration_continues_the_counters_of_offers_complaints_and_prospects():
    executor = MigrationExecutor(connection)
    before = [
        ("conditions", "0003_mfc_index"),
        ("complaints", "0002_defaults"),
        ("referrals", "0002_potential"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("conditions", "OfferCounter").objects.create(year=2026, last_number=41)
    old.get_model("complaints", "ComplaintCounter").objects.create(year=2025, last_number=17)
    accounts = old.get_model("accounts", "Account")
    for number in ("INT-00003", "INT-00012", "INT-X", "K-99999"):
        accounts.objects.create(customer_number=number, name=number)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert take("offer", year=2026) == 42
    assert take("complaint", year=2025) == 18
    assert take("prospect", year=numbering.NO_YEAR) == 13
