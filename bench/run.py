"""`make bench`: every benchmark in bench/, one after the other, each printing its figures."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_import.py",
    "bench_clv.py",
    "bench_forecast.py",
    "bench_analysis.py",
    "bench_cockpit.py",
    "bench_cockpit_filters.py",
    "bench_mailing.py",
    "bench_profitability.py",
]

if __name__ == "__main__":
    failed = []
    for script in SCRIPTS:
        path = BENCH / script
        if not path.exists():
            continue
        print(f"\n=== {script}", flush=True)
        if subprocess.run([sys.executable, str(path)], check=False).returncode:
            failed.append(script)
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")
