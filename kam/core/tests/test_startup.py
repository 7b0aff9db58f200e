"""A `kam` command starts without the heavy analytics: the sales import, the worker and every
other command read all apps' models at start, and those must not pull in scipy.stats or the
forecast models (0.7 s and 70 MB of every process before this was so)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kam_analytics

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("scipy.stats", "kam_analytics.forecast", "kam_analytics.clv", "lightgbm", "sklearn")


def test_a_command_starts_without_the_heavy_analytics(tmp_path) -> None:
    script = "\n".join(
        [
            "import os, sys",
            "os.environ['DJANGO_SETTINGS_MODULE'] = 'kam.settings.base'",
            "import django",
            "django.setup()",
            "import kam.sales.importer, kam.sales.pipeline",
            f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))",
        ]
    )
    assert _python(tmp_path, "-c", script).strip() == "[]"


def test_every_public_name_of_the_analytics_is_there() -> None:
    for name in kam_analytics.__all__:
        assert getattr(kam_analytics, name) is not None, name
    assert kam_analytics.forecast_revenue.__module__ == "kam_analytics.forecast"


def test_a_command_runs_with_the_collector_on_and_its_start_up_frozen(tmp_path) -> None:
    """`kam` pauses the garbage collector while Django and the command load, then freezes
    what they made (kam.cli): a quarter less start-up for `kam import-sales`, with the
    collector back on for the command itself."""
    script = "import gc; print(gc.isenabled(), gc.get_freeze_count())"
    enabled, frozen = _python(
        tmp_path, "-m", "kam.cli", "shell", "--no-imports", "-c", script
    ).split()
    assert enabled == "True"
    assert int(frozen) > 50_000  # the settings', apps' and models' objects


def _python(data_dir, *args: str) -> str:
    """What ``python ARGS`` prints, run from the checkout with a data folder of its own."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "KAM_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
