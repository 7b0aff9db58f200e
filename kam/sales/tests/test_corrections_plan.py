"""PostgreSQL: the corrections' search looks each matched row's line up by its id.

The planner hashed the matched rows and read every stored line instead, in parallel workers
that took the cores from the reader: the realistic next export (54,000 matched rows against
1,000,000 lines) spent 144-181 ms a chunk there, against 74-105 ms by id, and the re-import of
the bench file took 9.3-9.5 s instead of 8.6 s (kam.sales.staging._changed).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from kam.sales import staging
from kam.sales.models import SalesLine
from kam.sales.tests.stored import staged_row, store_lines

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

LINES = SalesLine._meta.db_table
#: A product name as long as ERPs write them: lines as wide as the bench's.
LONG_NAME = "Schraube mit einem langen Namen, " + "wie ERPs ihn haben, " * 7


def test_the_corrections_search_looks_the_matched_lines_up_by_id():
    # Enough lines to be read in parallel (min_parallel_table_scan_size), a tenth matched.
    store_lines(50_000, product_name=LONG_NAME)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {LINES}")  # noqa: S608
    rows = [staged_row(f"R-{i}", "K-1") for i in range(0, 50_000, 10)]  # 5,000 stored
    rows += [staged_row(f"N-{i}", "K-1") for i in range(5_000)]  # and new ones
    plans: list[str] = []

    def explained(execute, sql, params, many, context):
        if sql.startswith("SELECT l.id"):
            context["cursor"].execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
        return execute(sql, params, many, context)

    with transaction.atomic():
        staging.start_file()
        staging.load(rows, will_match=True)
        with connection.execute_wrapper(explained):
            staging.merge(len(rows), currency="EUR", sales_import_id=None, table_was_empty=False)
        transaction.set_rollback(True)

    assert len(plans) == 1
    assert f"Index Scan using {LINES}_pkey" in plans[0], plans[0]
    assert f"Seq Scan on {LINES}" not in plans[0], plans[0]
