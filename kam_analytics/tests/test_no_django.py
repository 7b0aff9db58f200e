"""kam_analytics must stay framework-free: importing every module must not pull in Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import kam_analytics


def test_no_module_imports_django() -> None:
    modules = [
        info.name
        for info in pkgutil.walk_packages(kam_analytics.__path__, "kam_analytics.")
        if ".tests" not in info.name
    ]
    script = "\n".join(
        [f"import {name}" for name in modules]
        + ["import sys", "assert 'django' not in sys.modules, sorted(sys.modules)"]
    )
    root = Path(kam_analytics.__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "kam_analytics.forecast" in modules and "kam_analytics.clv.bgnbd" in modules
