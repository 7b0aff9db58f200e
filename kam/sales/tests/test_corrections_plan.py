"""PostgreSQL: the corrections' search looks each matched row's line up by its id.

The planner hashed the matched rows and read every stored line instead, in parallel workers
that took the cores from the reader: the realistic next export (54,000 matched rows against
1,000,000 lines) spent 144-181 ms a chunk there, against 74-105 ms by id, and the re-import of
the bench file took 9.3-9.5 s instead of 8.6 s (kam.sales.staging._changed).

The lines are a temporary copy of the lines' table: statistics gathered on the table itself
stay after the test's rollback (PostgreSQL writes a table's size in place) and change the plans
of the tests after it.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from kam.core.db import analyze
from kam.sales import staging
from kam.sales.models import SalesLine
from kam.sales.tests.stored import staged_row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

LINES = "kam_test_lines"
#: A product name as long as ERPs write them: lines as wide as the bench's.
LONG_NAME = "Schraube mit einem langen Namen, " + "wie ERPs ihn haben, " * 7


def _lines(count: int) -> None:
    """``count`` lines R-0, R-1, … (position 1) in a temporary copy of the lines' table."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {LINES} (LIKE {SalesLine._meta.db_table} INCLUDING ALL)"
        )
        cursor.execute(
            f"INSERT INTO {LINES} (id, account_id, invoice_number, line_number, invoice_date, "  # noqa: S608
            "invoice_month, product_number, product_name, net_revenue_cents, currency, sales_rep) "
            "SELECT i, 1, 'R-' || i, 1, DATE '2025-03-15', DATE '2025-03-01', 'P-1', %s, 10000, "
            "'EUR', '' FROM generate_series(0, %s) AS i",
            [LONG_NAME, count - 1],
        )
        analyze(cursor, LINES)


def test_the_corrections_search_looks_the_matched_lines_up_by_id():
    rows = [staged_row(f"R-{i}", "K-1") for i in range(0, 50_000, 10)]  # 5,000 stored
    rows += [staged_row(f"N-{i}", "K-1") for i in range(5_000)]  # and new ones
    plans: list[str] = []

    def explained(execute, sql, params, many, context):
        if sql.startswith("SELECT l.id"):
            context["cursor"].execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
        return execute(sql, params, many, context)

    with transaction.atomic():
        _lines(50_000)
        staging.start_file()
        staging.load(rows, will_match=True)
        with connection.cursor() as cursor:
            staging._match_joined(cursor, staging.STAGING, LINES, 10**9, candidates_only=False)
            analyze(cursor, staging.STAGING, ["line_id"])
            with connection.execute_wrapper(explained):
                changed = staging._changed(cursor, staging.STAGING, LINES, "EUR")
        transaction.set_rollback(True)

    assert len(plans) == 1
    assert f"Index Scan using {LINES}_pkey" in plans[0], plans[0]
    assert f"Seq Scan on {LINES}" not in plans[0], plans[0]
    assert len(changed) == 5_000  # every matched row differs: its account is not there
