"""Benchmark kam_analytics' BG/NBD and Gamma-Gamma fits against the `lifetimes` package.

Run as `python bench/bench_clv.py` from the repository root. It simulates 1,000,000 customers
(BG/NBD purchases and Gamma-Gamma spend, at day resolution as real sales data is), times our fits
(best of 3), then times lifetimes' BetaGeoFitter and GammaGammaFitter on the very same arrays in
the same run, in the benchmark-only venv .venv-bench (lifetimes needs setuptools<81):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install 'setuptools<81' lifetimes numpy scipy pandas

lifetimes is timed on the full 1M rows as its users call it (no pre-aggregation), and, for
information, on the same weighted unique rows that our fit uses (its `weights=` argument).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kam_analytics.clv import fit_bgnbd, fit_gamma_gamma  # noqa: E402
from kam_analytics.clv._fitting import unique_rows  # noqa: E402
from kam_analytics.synthetic import simulate_bgnbd_customers  # noqa: E402

TARGET_BGNBD_SECONDS = 1.0
TARGET_BGNBD_SPEEDUP = 8.0
TARGET_GAMMA_GAMMA_SECONDS = 0.75

LIFETIMES_SCRIPT = """
import json, sys, time
import numpy as np
from lifetimes import BetaGeoFitter, GammaGammaFitter

data = np.load(sys.argv[1])
repeats = int(sys.argv[2])
x, t_x, T, m = data["x"], data["t_x"], data["T"], data["m"]
r = x > 0

def best(fit):
    times, model = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
    return min(times), {k: float(v) for k, v in model.params_.items()}

out = {}
out["bgnbd"] = best(lambda: BetaGeoFitter().fit(x, t_x, T))
out["gamma_gamma"] = best(lambda: GammaGammaFitter().fit(x[r], m[r]))
out["bgnbd_weighted"] = best(
    lambda: BetaGeoFitter().fit(data["ux"], data["ut"], data["uT"], weights=data["uw"])
)
out["gamma_gamma_weighted"] = best(
    lambda: GammaGammaFitter().fit(data["gx"], data["gm"], weights=data["gw"])
)
print(json.dumps(out))
"""


def best_of(repeats: int, fit):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return min(times), result


def run_lifetimes(customers, repeats: int) -> dict | None:  # type: ignore[no-untyped-def]
    python = ROOT / ".venv-bench" / "bin" / "python"
    if not python.exists():
        print(f"lifetimes: skipped, {python} not found (see the module docstring)")
        return None
    x, t_x, T, m = customers.frequency, customers.recency, customers.T, customers.monetary_value
    (ux, ut, uT), uw = unique_rows(x, t_x, T)
    repeat = x > 0
    (gx, gm), gw = unique_rows(x[repeat], m[repeat])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.npz"
        np.savez(path, x=x, t_x=t_x, T=T, m=m, ux=ux, ut=ut, uT=uT, uw=uw, gx=gx, gm=gm, gw=gw)
        completed = subprocess.run(
            [str(python), "-c", LIFETIMES_SCRIPT, str(path), str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lifetimes-repeats", type=int, default=1)
    args = parser.parse_args()

    customers = simulate_bgnbd_customers(args.customers, seed=42)
    millions = args.customers / 1_000_000
    label = f"{millions:g}M" if millions >= 1 else str(args.customers)
    bg_time, bg = best_of(
        args.repeats, lambda: fit_bgnbd(customers.frequency, customers.recency, customers.T)
    )
    gg_time, gg = best_of(
        args.repeats, lambda: fit_gamma_gamma(customers.frequency, customers.monetary_value)
    )
    print(f"customers: {args.customers:,}, repeat buyers: {gg.n_customers:,}")
    print(
        f"ours: r={bg.r:.4f} alpha={bg.alpha:.4f} a={bg.a:.4f} b={bg.b:.4f} "
        f"({bg.n_unique_rows:,} unique rows); p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.4f} "
        f"({gg.n_unique_rows:,} unique rows)"
    )
    lifetimes = run_lifetimes(customers, args.lifetimes_repeats)
    report("bgnbd", label, bg_time, lifetimes, TARGET_BGNBD_SECONDS, TARGET_BGNBD_SPEEDUP)
    report("gamma_gamma", label, gg_time, lifetimes, TARGET_GAMMA_GAMMA_SECONDS, None)


def report(  # type: ignore[no-untyped-def]
    name: str, label: str, ours: float, lifetimes, target_seconds: float, target_speedup
) -> None:
    line = f"{name}_fit_{label}: {ours:.2f} s"
    speedup = None
    if lifetimes is not None:
        theirs, params = lifetimes[name]
        weighted, _ = lifetimes[f"{name}_weighted"]
        speedup = theirs / ours
        line += f" (lifetimes {theirs:.2f} s, {speedup:.1f}x faster; "
        line += f"lifetimes on the same unique rows {weighted:.2f} s, {weighted / ours:.1f}x)"
        print(f"lifetimes {name}: " + " ".join(f"{k}={v:.4f}" for k, v in params.items()))
    print(line)
    met = ours <= target_seconds
    target = f"≤ {target_seconds} s"
    if target_speedup is not None:
        target += f" and ≥ {target_speedup:.0f}x lifetimes"
        met = met and speedup is not None and speedup >= target_speedup
    print(f"  target {target}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
