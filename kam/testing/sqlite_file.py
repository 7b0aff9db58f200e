"""Running kam in a process of its own on a SQLite file with kam's own settings (WAL, IMMEDIATE
transactions, a busy timeout): what needs two connections to one database, which the tests'
in-memory database cannot give."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.db import connection


def copy_test_database(data_dir: Path) -> None:
    """The tests' database, as it is now, into ``data_dir``/kam.sqlite3."""
    data_dir.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(data_dir / "kam.sqlite3")) as copy:
        connection.connection.backup(copy)


def run_on_file(data_dir: Path, code: str, *args: str) -> dict:
    """Runs ``python -c code *args`` with kam's settings on the database in ``data_dir``;
    returns the JSON of its last line of output (the process must succeed)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings.base",
        "KAM_DATA_DIR": str(data_dir),
        "KAM_SECRET_KEY": "test-only",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
