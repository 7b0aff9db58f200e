"""Two outbox workers on one PostgreSQL database, killed with SIGKILL at random moments over and
over, and a local SMTP server counting deliveries: no mail is ever delivered twice, every mail
marked sent was delivered exactly once, and the rest are marked uncertain (never resent)."""

import os
import random
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from kam.campaigns.tests.smtp_sink import Sink

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = f"h8_outbox_kill_{os.getpid()}"
URL = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_DB}"
MAILS = 600
KILLS = 12

ENQUEUE = f"""
from kam.campaigns import outbox
from kam.campaigns.models import OutboxMail
OutboxMail.objects.bulk_create([
    OutboxMail(kind="test", to_email=f"p{{n}}@example.com", subject=f"Mail {{n}}",
               body_text="Hallo", message_id=outbox.new_message_id())
    for n in range({MAILS})
])
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
        "KAM_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "KAM_EMAIL_HOST": "127.0.0.1",
    }
    try:
        yield env
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        server.close()


def deliver_command(name: str) -> list[str]:
    return [
        *[sys.executable, "-m", "kam.cli", "campaigns-deliver"],
        *["--worker", name, "--limit", str(MAILS), "--rate", "60", "--recover-after", "3600"],
    ]


def remaining(db) -> int:
    (count,) = db.execute(
        "SELECT count(*) FROM campaigns_outboxmail WHERE status IN ('queued', 'retry')"
    ).fetchone()
    return count


def run_with_kills(env: dict, db, rng: random.Random) -> int:
    workers: dict[str, subprocess.Popen] = {}
    kills, generation = 0, 0
    deadline = time.monotonic() + 300
    while remaining(db) and time.monotonic() < deadline:
        for slot in ("a", "b"):
            if slot not in workers or workers[slot].poll() is not None:
                generation += 1
                workers[slot] = subprocess.Popen(  # noqa: S603
                    deliver_command(f"{slot}{generation}"), env=env, stdout=subprocess.DEVNULL
                )
        time.sleep(rng.uniform(0.5, 2.5))
        if kills < KILLS:
            os.kill(workers[rng.choice("ab")].pid, signal.SIGKILL)
            kills += 1
    for worker in workers.values():
        worker.wait(timeout=120)
    return kills


@pytest.mark.once
def test_sigkilled_workers_never_deliver_a_mail_twice(database):
    kam = [sys.executable, "-m", "kam.cli"]
    subprocess.run([*kam, "migrate", "-v0"], env=database, check=True, timeout=600)  # noqa: S603
    subprocess.run([*kam, "shell", "-c", ENQUEUE], env=database, check=True, timeout=120)  # noqa: S603
    with Sink() as sink, psycopg.connect(URL, autocommit=True) as db:
        env = database | {"KAM_EMAIL_PORT": str(sink.port)}
        kills = run_with_kills(env, db, random.Random(18))
        final = [*kam, "campaigns-deliver", "--recover-after", "0", "--rate", "0"]
        subprocess.run(final, env=env, check=True, timeout=120)  # noqa: S603
        rows = db.execute("SELECT message_id, status FROM campaigns_outboxmail").fetchall()

    deliveries = sink.deliveries
    by_status: dict[str, list[str]] = {}
    for message_id, status in rows:
        by_status.setdefault(status, []).append(message_id)
    assert kills >= 3
    assert max(deliveries.values()) == 1, "a mail was delivered twice"
    assert set(by_status) <= {"sent", "uncertain"}
    assert all(deliveries[message_id] == 1 for message_id in by_status["sent"])
    assert len(by_status["sent"]) + len(by_status.get("uncertain", [])) == MAILS
    assert sum(deliveries.values()) >= len(by_status["sent"])
    print(
        f"{kills} kills: {len(by_status['sent'])} sent, "
        f"{len(by_status.get('uncertain', []))} uncertain, {sum(deliveries.values())} delivered"
    )
