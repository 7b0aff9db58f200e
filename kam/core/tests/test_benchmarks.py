"""Every benchmark of `make bench` runs on a small input: a change of the code a benchmark calls
(some time one part alone, e.g. the analysis's store) must not leave `make bench` broken, as
it did twice unnoticed (the analysis's store signature; the cockpit's server waiting for a
healthy worker it never starts)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

SMALL = {
    "bench_analysis": ["--accounts", "1500", "--lines", "60000", "--peer-subset", "30"],
    "bench_cockpit": ["--accounts", "2000", "--lines", "200000", "--users", "2"]
    + ["--requests", "8", "--seconds", "5"],
    "bench_profitability": ["--accounts", "2000", "--lines", "200000", "--activities", "5000"]
    + ["--complaints", "500", "--peer-accounts", "10"],
    "bench_kpi_profitability": ["--accounts", "2000"],
    "bench_conditions": ["--offers", "3", "--lines", "20000"],
}
#: What each prints when it got to its figures.
FIGURES = {
    "bench_analysis": "analysis run end to end",
    "bench_cockpit": "Target: p95",
    "bench_profitability": "incremental update after logging one activity",
    "bench_kpi_profitability": "ratio ours/peer",
    "bench_conditions": "invoiced-price check over",
}


@pytest.mark.once
@pytest.mark.parametrize("bench", sorted(SMALL))
def test_the_benchmark_runs_on_a_small_input(bench, tmp_path):
    done = subprocess.run(
        [sys.executable, f"bench/{bench}.py", *SMALL[bench]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)},
    )

    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
    assert FIGURES[bench] in done.stdout
