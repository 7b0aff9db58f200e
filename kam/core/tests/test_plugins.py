"""Apps reach each other through kam.core.plugins, not through imports of each other."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

KAM = Path(__file__).resolve().parents[2]


def _imported_modules(app: str) -> set[str]:
    """Every module named in an import statement anywhere in the app (tests aside), at module
    level or inside a function: an import hidden in a function is still a dependency."""
    names: set[str] = set()
    for path in (KAM / app).rglob("*.py"):
        if "tests" in path.relative_to(KAM / app).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def _imports_app(app: str, other: str) -> bool:
    return any(
        name == f"kam.{other}" or name.startswith(f"kam.{other}.")
        for name in _imported_modules(app)
    )


def test_analysis_imports_neither_complaints_nor_activities():
    assert not _imports_app("analysis", "complaints")
    assert not _imports_app("analysis", "activities")


def test_complaints_do_not_import_activities():
    # With analysis -> complaints gone, this closed the loop analysis -> complaints -> activities.
    assert not _imports_app("complaints", "activities")


def test_sales_import_nothing_of_analysis():
    assert not _imports_app("sales", "analysis")


ISOLATED = """
import datetime, sys
from kam.settings.test import *  # noqa
INSTALLED_APPS = [a for a in INSTALLED_APPS
                  if a not in ("kam.complaints", "kam.activities", "kam.cockpit", "kam.demo",
                               "kam.campaigns", "kam.profitability")]
import django
from django.conf import settings
settings.configure(**{k: v for k, v in list(globals().items()) if k.isupper()})
django.setup()
import kam.analysis.engine, kam.analysis.facts, kam.analysis.selectors, kam.analysis.tasks
import kam.analysis.services, kam.analysis.hooks, kam.sales.services, kam.sales.tasks
from kam.core.plugins import analysis_criteria
loaded = sorted(m for m in sys.modules if m.startswith(("kam.complaints", "kam.activities")))
print(loaded, analysis_criteria(as_of=datetime.date(2025, 6, 30)))
"""


@pytest.mark.once
def test_analysis_and_sales_load_without_complaints_and_activities_installed():
    """In a fresh interpreter with kam.complaints and kam.activities not installed, analysis
    and the sales import load, and the analysis gets no criteria from the missing apps.
    Campaigns and profitability go with them: they are made of contacts and complaints."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", textwrap.dedent(ISOLATED)],
        capture_output=True,
        text=True,
        cwd=KAM.parent,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] {}"
