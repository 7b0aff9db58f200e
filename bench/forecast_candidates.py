"""Diagnosis of the forecast choice: each candidate's backtest figures next to its figures out of
time, and kam against the peer over several seeds of the synthetic portfolios.

Run as `python bench/forecast_candidates.py [--sets proj3 b2b12 ...] [--seeds 3 4 5 6]` from the
repository root. Not part of `make bench` and never used to choose anything: it shows where the
run's own backtest (what `choose_forecast` decides on) and the held-back months disagree, and
whether a gap to the peer on one seed is systematic or noise. Sets: demo12, demo3, b2b12, b2b3,
proj12, proj3, cd6, cd8 (CDNOW from .venv-bench or --cdnow).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_forecast as bench  # noqa: E402
from kam_analytics.forecast import forecast_accuracy  # noqa: E402
from kam_analytics.learned import choice  # noqa: E402
from kam_analytics.learned.features import has_history  # noqa: E402
from kam_analytics.synthetic import simulate_b2b_accounts, simulate_project_business  # noqa: E402

SETS = {
    "demo12": ("demo", 12),
    "demo3": ("demo", 3),
    "b2b12": ("b2b", 12),
    "b2b3": ("b2b", 3),
    "proj12": ("project", 12),
    "proj3": ("project", 3),
    "cd6": ("cdnow", 6),
    "cd8": ("cdnow_12", 4),
}
BENCH_SEEDS = {"b2b": 3, "project": 5}


def months(source: str, seed: int | None, cdnow: Path | None):
    if source == "demo":
        return bench.demo_months()
    if source in ("b2b", "project"):
        seed = BENCH_SEEDS[source] if seed is None else seed
        if source == "b2b":
            made = simulate_b2b_accounts(3000, 48, seed=seed)
        else:
            made = simulate_project_business(1500, 48, seed=seed)
        return made.monthly_revenue, made.monthly_purchase_days
    if cdnow is None or not cdnow.exists():
        raise SystemExit("CDNOW not found: pass --cdnow")
    revenue, days = bench.cdnow_months(cdnow)
    return (revenue[:, :12], days[:, :12]) if source == "cdnow_12" else (revenue, days)


def held_back(revenue, days, horizon):
    cut = revenue.shape[1] - horizon
    known = has_history(revenue, cut)
    return revenue[known, :cut], days[known, :cut], revenue[known, cut:].sum(axis=1)


def figures(forecast, actual) -> str:
    accuracy = forecast_accuracy(forecast, actual)
    return (
        f"{accuracy.spearman:.3f}/{accuracy.top_decile_precision:.3f}/"
        f"{abs(accuracy.total_bias):.3f}"
    )


def candidates(name: str, revenue, days, horizon: int) -> None:
    past, past_days, actual = held_back(revenue, days, horizon)
    chosen = choice.choose_forecast(past, past_days, horizon=horizon)
    forecasts, model = choice.candidate_forecasts(past, past_days, horizon)
    levels = choice.level_estimates(forecasts, model, past, horizon)
    print(
        f"\n{name}: chose {chosen.ranking} / {chosen.level}; kam {figures(chosen.forecast, actual)}"
    )
    judged = len(choice.level_cuts(chosen.cuts))
    print(f"  backtest: ranks at {len(chosen.cuts)} cuts, totals at the {judged} judging them")
    print(f"  {'candidate':28} {'backtest rank/top/total':>24} {'out of time':>20}")
    for label, score in sorted(chosen.scores.items()):
        # The level estimates only (and candidates missing at some cuts) have no rank figures.
        rank = f"{score.spearman:.3f}/{score.top_decile_precision:.3f}"
        backtest = f"{rank}/{score.total_error:.3f}".replace("nan", "-")
        if label in forecasts:
            later = figures(forecasts[label], actual)
        else:
            later = f"-/-/{abs(levels[label] - actual.sum()) / actual.sum():.3f}"
        print(f"  {label:28} {backtest:>24} {later:>20}")


def against_peer(name: str, revenue, days, horizon: int) -> np.ndarray:
    past, past_days, actual = held_back(revenue, days, horizon)
    kam = forecast_accuracy(
        choice.choose_forecast(past, past_days, horizon=horizon).forecast, actual
    )
    peer = forecast_accuracy(bench.peer_forecast(past, past_days, horizon), actual)
    gap = np.array(
        [
            kam.spearman - peer.spearman,
            kam.top_decile_precision - peer.top_decile_precision,
            abs(peer.total_bias) - abs(kam.total_bias),
        ]
    )
    print(
        f"  {name}: kam − peer rank {gap[0]:+.3f}, top {gap[1]:+.3f}, "
        f"total (less error) {gap[2]:+.3f}"
    )
    return gap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[], help="synthetic seeds")
    parser.add_argument("--cdnow", help="path of CDNOW_master.txt (default: from .venv-bench)")
    args = parser.parse_args()
    cdnow = bench.find_cdnow(args.cdnow)
    for name in args.sets:
        source, horizon = SETS[name]
        candidates(name, *months(source, None, cdnow), horizon)
        if args.seeds and source in BENCH_SEEDS:
            gaps = [
                against_peer(f"{name} seed {seed}", *months(source, seed, cdnow), horizon)
                for seed in args.seeds
            ]
            print(f"  {name} mean over seeds: {np.round(np.mean(gaps, axis=0), 3)}")


if __name__ == "__main__":
    main()
