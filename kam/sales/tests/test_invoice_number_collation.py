"""PostgreSQL: the lines' invoice numbers compare byte by byte (migration sales 0007); staged
rows, whose invoice numbers have the database's collation, are compared with them in the
column's and still find their line through the key's index."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from kam.core.db import planner_without
from kam.sales import staging
from kam.sales.models import SalesLine

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

LINES = SalesLine._meta.db_table


def _collation() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = CAST(%s AS regclass) AND a.attname = 'invoice_number'",
            [LINES],
        )
        return cursor.fetchone()[0]


def _match_plan() -> str:
    """The plan of matching staged rows with the lines by their key, row by row."""
    with connection.cursor() as cursor, planner_without(cursor, "hashjoin", "mergejoin"):
        cursor.execute(
            f"EXPLAIN SELECT l.id FROM {staging.STAGING} s JOIN {LINES} l "  # noqa: S608
            "ON l.invoice_number = s.invoice_number AND l.line_number = s.line_number"
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def _staging_made_again() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging.STAGING}")
    staging.prepare()


def test_the_lines_compare_invoice_numbers_bytewise():
    assert _collation() == "C"


@pytest.mark.parametrize("collation", ["C", "default"])
def test_staged_invoice_numbers_find_their_line_through_the_key(collation):
    """Whatever collation the column has: a comparison takes a column's own collation over the
    database's, so the key's index is used for both of its columns. (Staged invoice numbers of
    "C" against a column of the database's collation were filtered, not looked up: only the
    line number was.)"""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {LINES} ALTER COLUMN invoice_number "  # noqa: S608
                f'TYPE varchar(40) COLLATE "{collation}"'
            )
        _staging_made_again()
        plan = _match_plan()
        transaction.set_rollback(True)
    assert "one_line_per_invoice_position" in plan
    assert "Filter" not in plan, plan
