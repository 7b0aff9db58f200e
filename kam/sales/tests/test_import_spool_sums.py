"""PostgreSQL: the spool sums a finished chunk up on a connection of its own while the reader
reads on (kam.sales.spool.TableSpool.finish); the chunk is handed over once that is done."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from kam.sales import spool as spools
from kam.sales.tests.spools import spooled_row

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="spool tables are PostgreSQL's"),
]


def _row(line: int) -> tuple:
    return spooled_row(line, revenue_cents=100 * line)


def test_a_finished_chunk_is_ready_once_its_sums_are_stored():
    spool = spools.TableSpool(sum_up=True)
    try:
        spool.begin(1)
        spool.append(1, [_row(2), _row(3)])
        assert spool.finish(1) == 2
        spool.wait()

        assert spool.ready(1)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT line_count, revenue_cents FROM {spool.table(1)}_months")  # noqa: S608
            assert cursor.fetchall() == [(2, 500)]
    finally:
        spool.close()


def test_what_goes_wrong_in_the_sums_is_raised_in_the_reader():
    spool = spools.TableSpool(sum_up=True)
    spool._month_totals = "SELECT no_such_column FROM {chunk}"
    try:
        spool.begin(1)
        spool.append(1, [_row(2)])
        spool.finish(1)

        with pytest.raises(psycopg.errors.UndefinedColumn, match="no_such_column"):
            spool.wait()
    finally:
        spool.close()
