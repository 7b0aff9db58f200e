"""Gap-free numbers (offers ANG-2026-00001, complaints REK-2026-00001, prospects INT-00001).

One `Counter` row per (kind, year). `next_number` creates it if missing (INSERT … ON CONFLICT DO
NOTHING, so two first numbers of a year do not collide), then locks it with SELECT … FOR UPDATE
and counts up inside the caller's transaction. Concurrent callers queue on the row lock until
the first one's transaction ends; a transaction that rolls back gives its number back. So the
numbers that exist are 1, 2, 3 … without gaps and without duplicates.
"""

from __future__ import annotations

from django.db import transaction

from kam.core.models import Counter

#: The year of kinds numbered across the years.
NO_YEAR = 0


def next_number(kind: str, *, year: int = NO_YEAR) -> int:
    """The next number of the kind in the year; call inside the transaction that uses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number needs the caller's transaction: the lock ends with it")
    Counter.objects.bulk_create([Counter(kind=kind, year=year)], ignore_conflicts=True)
    counter = Counter.objects.select_for_update().get(kind=kind, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def counter_raise(kind: str, *, year: int = NO_YEAR, last_number: int) -> None:
    """Moves the counter up to a number handed out elsewhere (demo data, an import); never
    down."""
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(kind=kind, year=year)], ignore_conflicts=True)
        counter = Counter.objects.select_for_update().get(kind=kind, year=year)
        if counter.last_number < last_number:
            counter.last_number = last_number
            counter.save(update_fields=["last_number"])
