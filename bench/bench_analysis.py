"""Benchmark a full analysis run (kam/analysis) end to end from the database.

Run as `python bench/bench_analysis.py [--accounts 100000 --lines 10000000]` from the repository
root (any Python with kam's dependencies; the venv's is best). It creates a temporary SQLite
database (KAM_DATA_DIR points at a temp dir), migrates it, and creates the accounts (5 % of
them in groups) and the monthly facts directly: the given number of sales lines of the given
number of accounts over 36 months, aggregated into about 3 million monthly facts (generated
with numpy, inserted with executemany). Generating the sales lines themselves is the import
benchmark's job: the analysis reads only the facts.

Timed: `run_analysis` end to end (reading the facts with the narrow query, ABC/XYZ, RFM,
concentration and alerts, BG/NBD and Gamma-Gamma fits, forecasts and CLV, scores and status
proposals, storing one result per account; the forecast chosen by backtest: LightGBM trained
and backtested at three cuts for 12 months and the next quarter). Target: ≤ 15 s for 100,000
accounts.

Peer, measured in the same run: the same analysis with the ORM habits it avoids, reading the
facts as model instances in a Python loop and saving one AccountResult per account. The peer is
timed on a subset of accounts and extrapolated linearly to all accounts (said in the output);
its computation is ours, so the ratio is about reading and storing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 15.0
N_MONTHS = 36
AS_OF = date(2025, 12, 31)


def setup_django(data_dir: str) -> None:
    os.environ["KAM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
    os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["KAM_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_accounts(n_accounts: int, rng: np.random.Generator) -> np.ndarray:
    from kam.accounts.models import Account

    Account.objects.bulk_create(
        [Account(customer_number=f"{i + 1:07d}", name=f"Kunde {i + 1}") for i in range(n_accounts)],
        batch_size=5_000,
    )
    ids = np.array(Account.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
    members = rng.choice(ids[1000:], size=n_accounts // 20, replace=False)
    parents = rng.choice(ids[:1000], size=len(members))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE accounts_account SET parent_id = %s WHERE id = %s",
            list(zip(parents.tolist(), members.tolist(), strict=True)),
        )
    return ids


def create_facts(ids: np.ndarray, n_lines: int, rng: np.random.Generator) -> tuple[int, int]:
    """Monthly facts of `n_lines` sales lines; returns (facts, lines) actually created."""
    from django.db import connection, transaction

    n = len(ids)
    # The N_MONTHS months up to the last complete month on AS_OF (its window's last 12 months).
    months = [date(AS_OF.year - 2 + (m // 12), m % 12 + 1, 1) for m in range(N_MONTHS)]
    activity = rng.beta(5, 1, size=n)  # most accounts buy most months, some rarely
    churn = np.where(rng.random(n) < 0.1, rng.integers(6, N_MONTHS, n), N_MONTHS)
    active = (rng.random((n, N_MONTHS)) < activity[:, None]) & (
        np.arange(N_MONTHS) < churn[:, None]
    )
    size = rng.lognormal(8.0, 1.4, size=n)  # euros per month
    lines_per_fact = n_lines / active.sum()
    lines = np.where(active, rng.poisson(lines_per_fact - 1, active.shape) + 1, 0)
    revenue = np.round(
        size[:, None] * lines / lines_per_fact * rng.gamma(4, 0.25, active.shape) * 100
    )
    margin = np.round(revenue * np.clip(rng.normal(0.25, 0.08, n), 0.02, 0.6)[:, None])
    days = np.minimum(lines, rng.integers(1, 12, active.shape))
    sql = (
        "INSERT INTO sales_monthlyfact (account_id, month, revenue_cents, margin_cents, "
        "line_count, invoice_count, purchase_days, first_purchase, last_purchase) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for column, month in enumerate(months):
            rows = np.flatnonzero(active[:, column])
            first = month.replace(day=3).isoformat()
            last = month.replace(day=25).isoformat()
            cursor.executemany(
                sql,
                [
                    (a, month.isoformat(), r, m, ln, d, d, first, last)
                    for a, r, m, ln, d in zip(
                        ids[rows].tolist(),
                        revenue[rows, column].astype(np.int64).tolist(),
                        margin[rows, column].astype(np.int64).tolist(),
                        lines[rows, column].tolist(),
                        days[rows, column].tolist(),
                        strict=True,
                    )
                ],
            )
    return int(active.sum()), int(lines.sum())


def add_ratings(ids: np.ndarray, rng: np.random.Generator) -> None:
    from kam.analysis.models import AccountRating

    AccountRating.objects.bulk_create(
        [
            AccountRating(account_id=int(a), potential=int(rng.integers(1, 6)), strategic_fit=3)
            for a in rng.choice(ids, size=min(2_000, len(ids)), replace=False)
        ]
    )


def time_ours() -> tuple[float, int]:
    from kam.analysis.models import AnalysisRun
    from kam.analysis.tasks import run_analysis

    start, cpu = time.perf_counter(), _cpu_seconds()
    run_id = run_analysis.call(as_of=AS_OF.isoformat(), trigger="cli")
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    return seconds, cpu, AnalysisRun.objects.get(pk=run_id).account_count


def _cpu_seconds() -> float:
    """This process's CPU seconds and its helper processes' (the facts reader's) that ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_our_read_and_store() -> tuple[float, float]:
    """Our narrow read and our bulk insert alone, so the peer can swap exactly those parts."""
    from django.db import transaction

    from kam.analysis.facts import load_facts
    from kam.analysis.services import _insert_results, _period_sums, analysis_compute
    from kam.analysis.tests.factories import make_run
    from kam.sales.figures import last_complete_month

    start = time.perf_counter()
    load_facts(last_complete_month(AS_OF))
    read = time.perf_counter() - start
    outcome = analysis_compute(as_of=AS_OF)
    with transaction.atomic():
        run = make_run(as_of=AS_OF)
        start = time.perf_counter()
        sums, _totals = _period_sums(outcome)  # the cockpit's periods, stored ahead
        _insert_results(run, outcome, sums)
        store = time.perf_counter() - start
        transaction.set_rollback(True)
    return read, store


def time_naive_peer(ids: np.ndarray, subset: int) -> tuple[float, float]:
    """Seconds per account: facts as ORM objects in a loop, one save() per result."""
    from django.db import transaction

    from kam.analysis.models import AccountResult
    from kam.analysis.tests.factories import make_run
    from kam.sales.models import MonthlyFact

    chosen = ids[:subset].tolist()
    start = time.perf_counter()
    matrix: dict[int, dict[date, tuple[int, int, int]]] = {}
    for fact in MonthlyFact.objects.filter(account_id__in=chosen):
        matrix.setdefault(fact.account_id, {})[fact.month] = (
            fact.revenue_cents,
            fact.margin_cents,
            fact.purchase_days,
        )
    read = (time.perf_counter() - start) / subset
    with transaction.atomic():
        run = make_run(as_of=AS_OF)
        start = time.perf_counter()
        for account_id in chosen:
            AccountResult(
                run=run,
                account_id=account_id,
                revenue_12m_cents=1,
                margin_12m_cents=1,
                revenue_prev_12m_cents=1,
                abc_revenue="A",
                abc_margin="A",
                xyz="X",
                rfm_recency=1,
                rfm_frequency=1,
                rfm_monetary=1,
                rfm_segment="new",
                last_purchase=AS_OF,
                share_revenue=0.0,
                share_margin=0.0,
                expected_revenue_12m_cents=1,
                expected_margin_12m_cents=1,
                rank_today=1,
                rank_tomorrow=1,
            ).save()
        store = (time.perf_counter() - start) / subset
        transaction.set_rollback(True)
    return read, store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--peer-subset", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="kam-bench-analysis-") as data_dir:
        setup_django(data_dir)
        start = time.perf_counter()
        ids = create_accounts(args.accounts, rng)
        facts, lines = create_facts(ids, args.lines, rng)
        add_ratings(ids, rng)
        setup = time.perf_counter() - start
        seconds, cpu, analysed = time_ours()
        read, store = time_our_read_and_store()
        naive_read, naive_store = time_naive_peer(ids, min(args.peer_subset, len(ids)))
        peer = seconds - read - store + (naive_read + naive_store) * len(ids)
        report(args, facts, lines, setup, (seconds, cpu), analysed, read, store, peer)


def report(args, facts, lines, setup, times, analysed, read, store, peer) -> None:
    seconds, cpu = times
    figures = {
        "accounts": args.accounts,
        "sales_lines": lines,
        "monthly_facts": facts,
        "setup_seconds": round(setup, 1),
        "analysis_seconds": round(seconds, 2),
        "analysis_cpu_seconds": round(cpu, 2),
        "accounts_analysed": analysed,
        "read_seconds": round(read, 2),
        "store_seconds": round(store, 2),
        "naive_peer_seconds_extrapolated": round(peer, 1),
        "speedup_vs_naive": round(peer / seconds, 1),
        "target_seconds": TARGET_SECONDS,
        "within_target": seconds <= TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{lines:,} sales lines of {args.accounts:,} accounts → {facts:,} monthly facts "
        f"(setup {setup:.0f} s, not timed)"
    )
    print(
        f"analysis run end to end: {seconds:.2f} s wall, {cpu:.2f} s CPU (a busy machine "
        f"inflates the wall time) for {analysed:,} accounts "
        f"(read {read:.2f} s, store {store:.2f} s); target ≤ {TARGET_SECONDS:.0f} s: "
        f"{'OK' if seconds <= TARGET_SECONDS else 'MISSED'}"
    )
    print(
        f"naive ORM peer (facts as model objects, one save() per result; timed on "
        f"{args.peer_subset:,} accounts, extrapolated): {peer:.1f} s → "
        f"{peer / seconds:.1f}× slower"
    )


if __name__ == "__main__":
    main()
