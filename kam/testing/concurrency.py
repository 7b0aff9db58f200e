"""Helpers for tests that need two database connections at once (PostgreSQL only: SQLite in
memory gives each thread a database of its own)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and a connection per thread (SQLite in memory has neither)",
)


def in_thread(target: Callable, *args) -> tuple[threading.Thread, list[BaseException]]:
    """Starts `target` in a thread with a connection of its own; the list collects its error."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 (reported by the caller's assertion)
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def until_someone_waits_for_a_lock(pause: threading.Event, *, seconds: int = 30) -> None:
    """Returns once another connection waits on a lock (or after `seconds`)."""
    for _ in range(seconds * 100):
        if someone_waits_for_a_lock():
            return
        pause.wait(0.01)
