"""Run in a process of its own on a SQLite file with kam's own settings (WAL, IMMEDIATE
transactions): ``python -c RUN FIRST LAST [fail]`` recomputes the statements of all accounts in
the months and prints what it stored, the statements, which path ran and on how many threads
the ranges were computed, as JSON. With ``fail``, the computing of the third range of
accounts raises once a range is written; ``parts=N`` computes in N ranges instead of
pipelined.PARTS."""

import datetime
import json
import sys
import threading
import time

RUN = (
    "import django; django.setup()\nfrom kam.profitability.tests.pipelined_run import main\nmain()"
)


def rows() -> list:
    from kam.profitability.models import AccountStatement

    fields = [f.attname for f in AccountStatement._meta.concrete_fields]
    # As JSON gives them back: lists, the month as text.
    statements = AccountStatement.objects.values_list(*fields)
    return sorted([row[0], str(row[1]), *row[2:]] for row in statements)


def main() -> None:
    from kam.profitability import pipelined, services

    first, last = (datetime.date.fromisoformat(arg) for arg in sys.argv[1:3])
    ranges_written: list[int] = []
    real_store = pipelined.store_computed

    def recording(cursor, rows_sql, count, **options):
        ranges_written.append(count)
        return real_store(cursor, rows_sql, count, **options)

    pipelined.store_computed = recording
    options = sys.argv[3:]
    for option in options:
        if option.startswith("parts="):
            pipelined.PARTS = int(option.removeprefix("parts="))
    real_compute = pipelined.compute_fresh
    threads: set[int] = set()
    calls: list = []

    def computing(cursor, **window):
        threads.add(threading.get_ident())
        calls.append(window)
        if "fail" in options and len(calls) == 3:
            # A range after each thread's first, once the first range is written.
            deadline = time.monotonic() + 30
            while not ranges_written and time.monotonic() < deadline:
                time.sleep(0.01)
            raise RuntimeError("computing failed")
        return real_compute(cursor, **window)

    pipelined.compute_fresh = computing
    result: dict = {"pipelined": pipelined.may_pipeline(None)}
    try:
        stored = services.statements_refresh(first_month=first, last_month=last)
        result["stored"] = [stored.written, stored.deleted, stored.rows]
    except RuntimeError as error:
        result["error"] = str(error)
    result["ranges_written"] = ranges_written
    result["computing_threads"] = len(threads)
    result["rows"] = rows()
    print(json.dumps(result))
