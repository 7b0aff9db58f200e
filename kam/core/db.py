"""Helpers for the few statements that steer PostgreSQL's planner."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection


@contextmanager
def planner_without(cursor, *methods: str) -> Iterator[None]:
    """PostgreSQL: plans the statements inside without these methods (``hashjoin``,
    ``nestloop``, ``seqscan``, …), then as before; other databases: nothing.

    Used where the statistics mislead the planner (tables just bulk-loaded, temporary tables
    without statistics). SET LOCAL: after an error the transaction's rollback (or the
    savepoint's) takes the settings back, so they are not reset in a ``finally`` (a statement
    in an aborted transaction would hide the error).
    """
    methods = methods if connection.vendor == "postgresql" else ()
    for method in methods:
        cursor.execute(f"SET LOCAL enable_{method} = off")
    yield
    for method in methods:
        cursor.execute(f"SET LOCAL enable_{method} = on")


def analyze(cursor, table: str, columns: Sequence[str] = ()) -> None:
    """PostgreSQL: fresh statistics of a table that a bulk write has just filled or rewritten
    (autovacuum comes later, or is off), of ``columns`` only where given; other databases:
    nothing."""
    if connection.vendor == "postgresql":
        only = f" ({', '.join(columns)})" if columns else ""
        cursor.execute(f"ANALYZE {table}{only}")
