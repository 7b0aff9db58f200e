"""Benchmark the KPI table's profitability columns (kam.profitability.selectors.figures_by_owner):
DB III, DB IV and care cost per key account manager summed from the stored statements.

Run as `python bench/bench_kpi_profitability.py [--accounts 100000 --months 12]` from the
repository root. The dataset lives in a temporary SQLite database: accounts spread over 50
managers, one statement per account and month for 36 months (inserted with executemany), and
the sales facts of the same accounts and months.

Timed (median of 5, CPU seconds of this process beside the wall clock):
- ours: `figures_by_owner` for leadership (every account) over the last 12 months, and for one
  manager (the visibility subquery) over the same months;
- the peer, measured in the same run: the same grouped sum of revenue and margin per owner
  over the sales facts (kam.sales.models.MonthlyFact), which the KPI table's chosen periods
  already read.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

N_MONTHS = 36


def _months(last: datetime.date) -> list[datetime.date]:
    from kam.sales.figures import add_months

    return [add_months(last, -i) for i in range(N_MONTHS)][::-1]


def create_rows(ids: np.ndarray, months: list[datetime.date], rng) -> None:
    """One statement and one sales fact per account and month."""
    from django.db import connection, transaction

    for month in months:
        revenue = rng.integers(0, 2_000_000, len(ids))
        db1 = revenue // 4
        care = rng.integers(0, 50_000, len(ids))
        service = rng.integers(0, 10_000, len(ids))
        statements = [
            (int(a), month, int(r), int(d), 0, int(c), int(s), int(d), int(d - c), int(d - c - s))
            for a, r, d, c, s in zip(ids, revenue, db1, care, service, strict=True)
        ]
        facts = [
            (int(a), month, int(r), int(d), 1, 1, 1, month, month)
            for a, r, d in zip(ids, revenue, db1, strict=True)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO profitability_accountstatement (account_id, month, revenue_cents, "
                "db1_cents, condition_cost_cents, care_cost_cents, service_cost_cents, db2_cents, "
                "db3_cents, db4_cents) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                statements,
            )
            cursor.executemany(
                "INSERT INTO sales_monthlyfact (account_id, month, revenue_cents, margin_cents, "
                "invoice_count, line_count, purchase_days, first_purchase, last_purchase) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                facts,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(function, runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `runs` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def peer(first: datetime.date, last: datetime.date):
    from django.db.models import Sum

    from kam.sales.models import MonthlyFact

    rows = (
        MonthlyFact.objects.filter(month__gte=first, month__lte=last)
        .values("account__owner")
        .annotate(revenue=Sum("revenue_cents"), margin=Sum("margin_cents"))
        .order_by()
    )
    return list(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="kam-bench-kpi-")
    from bench_analysis import AS_OF, create_accounts, setup_django

    setup_django(data_dir)
    from bench_profitability import assign_owners, create_users

    from kam.profitability.selectors import figures_by_owner
    from kam.sales.figures import window_as_of
    from kam.users.models import Role, User

    rng = np.random.default_rng(20)
    started = time.perf_counter()
    ids = create_accounts(args.accounts, rng)
    managers, _reps = create_users()
    assign_owners(ids, managers)
    window = window_as_of(AS_OF)
    create_rows(ids, _months(window.last_month), rng)
    setup = time.perf_counter() - started
    leader = User.objects.create(username="leader", role=Role.LEADERSHIP)
    manager = User.objects.get(pk=managers[0])
    first, last = window.first_month, window.last_month

    ours_all = timed(lambda: figures_by_owner(user=leader, first=first, last=last))
    ours_one = timed(lambda: figures_by_owner(user=manager, first=first, last=last))
    peer_all = timed(lambda: peer(first, last))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{args.accounts:,} accounts x {N_MONTHS} months of statements and facts, SQLite")
    print(f"setup {setup:.0f} s; load average {load}")
    for label, (wall, cpu) in (
        ("ours, leadership (all accounts, 12 months)", ours_all),
        ("ours, one manager (visibility subquery)", ours_one),
        ("peer, facts per owner (same months)", peer_all),
    ):
        print(f"{label:45} {wall:.3f} s wall, {cpu:.3f} CPU s")
    print(f"ratio ours/peer (CPU): {ours_all[1] / peer_all[1]:.2f}")


if __name__ == "__main__":
    main()
