"""Two imports started together, each on its own database connection (a thread each).

Used in-process on PostgreSQL and, through ``main`` (see RUN), in a process of its own on a
SQLite file (the tests' in-memory SQLite cannot have two writers).
"""

import json
import sys
import threading
from pathlib import Path

from django.db import connection

from kam.accounts.models import Account
from kam.sales import importer
from kam.sales.importer import import_sales
from kam.sales.models import MonthlyFact, SalesLine

HEADER = "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz;DB\n"


def write_exports(folder: Path) -> list[Path]:
    """Two exports that both bring the new customers 2000-2002 and 40 of the same lines."""
    shared = [
        f"{2000 + i % 3};Neu {i % 3};R-{i};1;{1 + i % 28:02d}.{1 + i % 12:02d}.2025;{i},50;{i},00\n"
        for i in range(40)
    ]
    paths = []
    for name, own_customer in (("a.csv", 3000), ("b.csv", 4000)):
        own = [f"{own_customer};Eigen;{name}-{i};1;15.03.2025;1{i},00;1,00\n" for i in range(10)]
        path = folder / name
        path.write_text(HEADER + "".join(shared + own), encoding="utf-8")
        paths.append(path)
    return paths


def import_together(paths: list[Path], *, chunk_size: int = 15) -> list[str]:
    """Runs one import per path at the same time; returns the errors (none, if all is well).

    Both imports read the known customers before either stores any, as happens when they
    start together; small chunks make them take turns chunk by chunk.
    """
    importer.CHUNK_SIZE = chunk_size
    started = threading.Barrier(len(paths), timeout=30)
    real_init = importer._ImportRun.__init__

    def init_then_wait(self, **kwargs):
        real_init(self, **kwargs)
        started.wait()

    importer._ImportRun.__init__ = init_then_wait  # type: ignore[method-assign]
    errors: list[str] = []

    def run(path: Path) -> None:
        try:
            import_sales(paths=[path])
        except Exception as error:  # noqa: BLE001 (reported to the test)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(path,)) for path in paths]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        importer._ImportRun.__init__ = real_init  # type: ignore[method-assign]
    return errors


def import_one_after_the_other(paths: list[Path], *, chunk_size: int = 15) -> None:
    importer.CHUNK_SIZE = chunk_size
    for path in paths:
        import_sales(paths=[path])


def state() -> dict:
    """What the imports leave behind, independent of ids and order."""
    numbers = dict(Account.objects.values_list("id", "customer_number"))
    return {
        "accounts": sorted(Account.objects.values_list("customer_number", "name")),
        "lines": sorted(
            [numbers[a], number, position, str(day), revenue, margin]
            for a, number, position, day, revenue, margin in SalesLine.objects.values_list(
                "account_id",
                "invoice_number",
                "line_number",
                "invoice_date",
                "net_revenue_cents",
                "margin_cents",
            )
        ),
        "facts": sorted(
            [numbers[a], str(month), revenue, count, days]
            for a, month, revenue, count, days in MonthlyFact.objects.values_list(
                "account_id", "month", "revenue_cents", "line_count", "purchase_days"
            )
        ),
    }


RUN = "import django; django.setup(); from kam.sales.tests.concurrent import main; main()"


def main() -> None:
    """``python -c RUN together|sequential FILE...``: prints the errors and state as JSON."""
    mode, paths = sys.argv[1], [Path(arg) for arg in sys.argv[2:]]
    errors = []
    if mode == "together":
        errors = import_together(paths)
    else:
        import_one_after_the_other(paths)
    print(json.dumps({"errors": errors, "state": state()}))
