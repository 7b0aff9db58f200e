"""Two `kam worker` processes on one PostgreSQL database never run the same task twice."""

import os
import subprocess
import sys
import time

import psycopg
import pytest

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# One scratch database per test process: parallel workers and legs never share it.
SCRATCH_DB = f"kam_test_workers_{os.getpid()}"
URL = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_DB}"
TASKS = 60

ENQUEUE = f"""
from kam.testing.tasks import record_run
for n in range({TASKS}):
    record_run.enqueue(key=str(n))
"""


@pytest.fixture
def database(tmp_path):
    try:
        server = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL reachable at {SERVER}: {error}")
    server.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    server.execute(f"CREATE DATABASE {SCRATCH_DB}")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"KAM_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "kam.settings.base",
        "DATABASE_URL": URL,
        "KAM_DATA_DIR": str(tmp_path),
    }
    try:
        yield env
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        server.close()


@pytest.mark.once
def test_two_workers_run_each_task_exactly_once(database):
    kam = [sys.executable, "-m", "kam.cli"]
    subprocess.run([*kam, "migrate", "-v0"], env=database, check=True, timeout=600)  # noqa: S603
    subprocess.run([*kam, "shell", "-c", ENQUEUE], env=database, check=True, timeout=120)  # noqa: S603
    workers = [
        subprocess.Popen([*kam, "worker", "--interval", "0.1"], env=database)  # noqa: S603
        for _ in range(2)
    ]
    try:
        with psycopg.connect(URL) as db:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                (done,) = db.execute(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                    " WHERE status = 'SUCCESSFUL'"
                ).fetchone()
                if done == TASKS:
                    break
                time.sleep(0.5)
            runs = db.execute(
                "SELECT action, count(*), min(summary) FROM core_bulkevent GROUP BY action"
            ).fetchall()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    assert done == TASKS
    assert sorted(action for action, _, _ in runs) == sorted(f"probe {n}" for n in range(TASKS))
    assert all(count == 1 for _, count, _ in runs)
