"""Out-of-time forecast quality: kam against the naive forecast and a data scientist's peer.

Run as `python bench/bench_forecast.py` from the repository root (part of `make bench`). For each
data set the last `horizon` months are held back; every forecaster sees only the months before
the cut and is scored on the accounts known at the cut (those that bought before it) against what
they bought afterwards:
- naive: the last 12 months (scaled to the horizon);
- peer: LightGBM (tweedie, 400 trees, learning rate 0.03, 15 leaves) on twelve per-customer
  features, trained once out of time (features of the window that ends one horizon before the
  cut, target the following horizon), applied at the cut;
- kam: `kam_analytics.learned.choice.choose_forecast` (candidates backtested on the history
  before the cut, winner used).
Data sets: the demo company (`kam demo` in a temporary database, read by the analysis' fact
reader), two synthetic B2B portfolios with different properties (growth, churn, seasonality;
lumpy project business with few large accounts), and CDNOW (real CD-store transactions of 23,570
customers, 1997-1998), which the `lifetimes` package ships in its wheel;
the file is read from the benchmark venv (.venv-bench) or a `--cdnow` path, never downloaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kam_analytics.forecast import forecast_accuracy  # noqa: E402
from kam_analytics.learned.choice import choose_forecast, naive  # noqa: E402
from kam_analytics.learned.features import account_features, has_history  # noqa: E402
from kam_analytics.synthetic import simulate_b2b_accounts, simulate_project_business  # noqa: E402

#: Totals closer than this (a share of the actual total) are equal: rounding, not forecasting.
TOTAL_TIE = 1e-9
PEER_FEATURES = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]  # the twelve of the peer's description
PEER_PARAMS = {
    "objective": "tweedie",
    "learning_rate": 0.03,
    "num_leaves": 15,
    "verbose": -1,
    "num_threads": 2,
    "seed": 1,
}


def peer_forecast(revenue: np.ndarray, days: np.ndarray, horizon: int) -> np.ndarray:
    import lightgbm

    cut = revenue.shape[1]
    origin = cut - horizon
    x_train = account_features(revenue, days, origin, horizon)[:, PEER_FEATURES]
    y_train = np.maximum(revenue[:, origin:cut].sum(axis=1), 0)  # tweedie needs no credit notes
    booster = lightgbm.train(PEER_PARAMS, lightgbm.Dataset(x_train, y_train), 400)
    features = account_features(revenue, days, cut, horizon)[:, PEER_FEATURES]
    return np.asarray(booster.predict(features))


@dataclass
class Scores:
    spearman: float
    top10: float
    total_error: float
    risers: int


def scores(forecast, actual, history_12m) -> Scores:
    accuracy = forecast_accuracy(forecast, actual)
    top = max(1, int(np.ceil(0.1 * len(actual))))
    actual_top = set(np.argsort(-actual, kind="stable")[:top].tolist())
    past_top = set(np.argsort(-history_12m, kind="stable")[:top].tolist())
    forecast_top = set(np.argsort(-forecast, kind="stable")[:top].tolist())
    risers = (actual_top - past_top) & (forecast_top - past_top)
    return Scores(
        accuracy.spearman, accuracy.top_decile_precision, abs(accuracy.total_bias), len(risers)
    )


def evaluate(name: str, revenue: np.ndarray, days: np.ndarray, horizon: int) -> dict:
    cut = revenue.shape[1] - horizon
    known = has_history(revenue, cut)
    past_r, past_d = revenue[known, :cut], days[known, :cut]
    actual = revenue[known, cut:].sum(axis=1)
    history_12m = past_r[:, -12:].sum(axis=1)
    started = time.perf_counter()
    choice = choose_forecast(past_r, past_d, horizon=horizon)
    seconds = time.perf_counter() - started
    rows = {
        "naive": scores(naive(past_r, past_d, horizon), actual, history_12m),
        "peer": scores(peer_forecast(past_r, past_d, horizon), actual, history_12m),
        "kam": scores(choice.forecast, actual, history_12m),
    }
    riser_count = len(
        set(np.argsort(-actual, kind="stable")[: max(1, int(np.ceil(0.1 * len(actual))))])
        - set(np.argsort(-history_12m, kind="stable")[: max(1, int(np.ceil(0.1 * len(actual))))])
    )
    print(
        f"\n{name}: {known.sum()} accounts, {cut} months -> next {horizon}; "
        f"kam chose the ranking of {choice.ranking}, the level of {choice.level} "
        f"in {seconds:.1f} s; {riser_count} real risers into the top 10 %"
    )
    print(f"  {'':6} {'Spearman':>9} {'top-10 %':>9} {'total err':>10} {'risers':>7}")
    for label, s in rows.items():
        print(f"  {label:6} {s.spearman:9.3f} {s.top10:9.3f} {s.total_error:10.3f} {s.risers:7d}")
    k, n, p = rows["kam"], rows["naive"], rows["peer"]
    # kam's total is naive's whenever the backtest chose naive's level; the two sums then differ
    # only by rounding (measured: 1e-16 on the demo company), which must not decide "ahead".
    wins = all(
        k.spearman > o.spearman
        and k.top10 >= o.top10
        and k.total_error <= o.total_error + TOTAL_TIE
        for o in (n, p)
    )
    print(
        f"  ratio kam/naive Spearman {k.spearman / n.spearman:.3f}, kam/peer "
        f"{k.spearman / p.spearman:.3f}; kam ahead of both on all three: {'yes' if wins else 'NO'}"
    )
    return {"name": name, "wins": wins}


def cdnow_months(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """CDNOW_master.txt (customer, yyyymmdd, CDs, dollars) as customers × 18 months."""
    raw = np.loadtxt(path, dtype=np.float64, skiprows=1)
    customer = raw[:, 0].astype(np.int64) - 1
    date = raw[:, 1].astype(np.int64)
    month = (date // 10000 - 1997) * 12 + (date // 100) % 100 - 1
    n, m = customer.max() + 1, month.max() + 1
    revenue = np.zeros((n, m))
    np.add.at(revenue, (customer, month), raw[:, 3])
    days = np.zeros((n, m))
    unique = np.unique(np.column_stack([customer, month, date]), axis=0)
    np.add.at(days, (unique[:, 0], unique[:, 1]), 1)
    return revenue, days


def demo_months(n_accounts: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """The demo company (`kam demo`, 37 months of sales) in a temporary SQLite database, read
    with the analysis run's own fact reader: accounts × complete months, in euros."""
    import io
    import os
    import tempfile

    os.environ["KAM_DATA_DIR"] = tempfile.mkdtemp(prefix="kam-bench-forecast-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
    os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["KAM_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from kam.analysis.facts import load_facts
    from kam.sales.figures import last_complete_month

    call_command("migrate", verbosity=0)
    call_command("demo", "--accounts", str(n_accounts), stdout=io.StringIO())
    facts = load_facts(last_complete_month(timezone.localdate()))
    return facts.revenue_cents / 100, facts.purchase_days.astype(np.float64)


def find_cdnow(given: str | None) -> Path | None:
    if given:
        return Path(given)
    found = sorted((ROOT / ".venv-bench").glob("lib/python*/site-packages/lifetimes/datasets"))
    return found[0] / "CDNOW_master.txt" if found else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cdnow", help="path of CDNOW_master.txt (default: from .venv-bench)")
    args = parser.parse_args()
    results = []
    revenue, days = demo_months()
    results.append(evaluate("demo company (kam demo, 400 accounts)", revenue, days, 12))
    results.append(evaluate("demo company, next quarter", revenue, days, 3))
    b2b = simulate_b2b_accounts(3000, 48, seed=3)
    results.append(
        evaluate(
            "synthetic B2B (growth, churn, seasonality)",
            b2b.monthly_revenue,
            b2b.monthly_purchase_days,
            12,
        )
    )
    results.append(
        evaluate("synthetic B2B, next quarter", b2b.monthly_revenue, b2b.monthly_purchase_days, 3)
    )
    project = simulate_project_business(1500, 48, seed=5)
    results.append(
        evaluate(
            "synthetic project business (lumpy, few large)",
            project.monthly_revenue,
            project.monthly_purchase_days,
            12,
        )
    )
    results.append(
        evaluate(
            "synthetic project business, next quarter",
            project.monthly_revenue,
            project.monthly_purchase_days,
            3,
        )
    )
    cdnow = find_cdnow(args.cdnow)
    if cdnow and cdnow.exists():
        revenue, days = cdnow_months(cdnow)
        results.append(evaluate("CDNOW (real transactions, lifetimes)", revenue, days, 6))
        # As short as the retail data set the issue was measured on: 8 months -> next 4.
        results.append(
            evaluate("CDNOW, first 12 months: 8 -> next 4", revenue[:, :12], days[:, :12], 4)
        )
    else:
        print("\nCDNOW: not found (make bench installs lifetimes into .venv-bench)")
    lost = [r["name"] for r in results if not r["wins"]]
    print(
        f"\nforecast: kam ahead of naive and peer on {len(results) - len(lost)} of {len(results)}"
    )


if __name__ == "__main__":
    main()
