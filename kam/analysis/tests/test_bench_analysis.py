"""The analysis benchmark runs on a small portfolio: a change of the run's code that the
benchmark calls (it times the read and the store alone) must not leave `make bench` broken."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.once
def test_the_analysis_benchmark_runs_on_a_small_portfolio(tmp_path):
    done = subprocess.run(
        [sys.executable, "bench/bench_analysis.py", "--accounts", "1500", "--lines", "60000"]
        + ["--peer-subset", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)},
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "analysis run end to end" in done.stdout
    assert "naive ORM peer" in done.stdout
