"""Benchmark a mailing to 10,000 recipients with a per-recipient PDF (kam/campaigns).

Run as `python bench/bench_mailing.py [--recipients 10000]` from the repository root. It creates
a temporary SQLite database, 10,000 contact persons (10 per account) with a confirmed e-mail
consent each, a segment of all of them and a mailing with the master-data PDF per recipient,
and a local SMTP server (aiosmtpd) that counts deliveries by Message-ID.

Timed, with their targets (issue #18):
1. queueing: `mailing_queue` (segment through accounts_visible_to, the send gate for everyone,
   rendering, one outbox row each) — target ≤ 10 s. Peer: the same rows written the naive way,
   the gate asked and one INSERT per recipient (timed on 1,000 and extrapolated).
2. delivery by one worker (`outbox.deliver`: a batch claimed and gated again, then per mail
   taken, PDF, SMTP over the one connection, marked sent, activity) — target ≥ 100 mails/s.
   Peer: the bare SMTP throughput of the same messages on one connection, without claim, gate,
   PDF or record (what the outbox costs on top). The sink runs in another process here, so the
   CPU time is the worker's alone.
3. two `campaigns-deliver` worker processes on the rest of the mails, one of them killed with
   SIGKILL at random moments and restarted: every mail delivered at most once, every mail
   marked sent delivered exactly once, the rest marked uncertain.

Wall-clock figures depend on what else the machine runs: each line also prints the CPU time
and the load average, so a run on a busy machine can be told apart from a slow kam.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUEUE_TARGET_SECONDS = 10.0
DELIVERY_TARGET_PER_SECOND = 100.0


def setup_django(data_dir: str, smtp_port: int) -> dict:
    env = {
        "KAM_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "kam.settings.base",
        "KAM_LOG_LEVEL": "WARNING",
        "KAM_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "KAM_EMAIL_HOST": "127.0.0.1",
        "KAM_EMAIL_PORT": str(smtp_port),
        "KAM_MAIL_RATE_PER_SECOND": "0",
        "KAM_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    }
    os.environ.update(env)
    os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dict(os.environ)


def create_people(n: int):
    from kam.accounts.models import Account, Stakeholder
    from kam.campaigns.models import CaptureMethod, ConsentRecord, ConsentStatus, LegalBasis
    from kam.users.models import Role, User

    sender = User.objects.create(username="leitung", role=Role.LEADERSHIP, email="l@example.com")
    accounts = Account.objects.bulk_create(
        Account(customer_number=f"{i:07d}", name=f"Kunde {i} GmbH", city="München", owner=sender)
        for i in range(n // 10)
    )
    people = Stakeholder.objects.bulk_create(
        Stakeholder(
            account=accounts[i // 10],
            first_name="Eva",
            last_name=f"Muster {i}",
            email=f"p{i}@example.com",
        )
        for i in range(n)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            stakeholder=person,
            channel="email",
            purpose="price_lists",
            legal_basis=LegalBasis.CONSENT,
            status=ConsentStatus.GRANTED,
            method=CaptureMethod.DOI,
            email=person.email,
            ip_address="192.0.2.1",
        )
        for person in people
    )
    return sender


def make_mailing(sender, title: str):
    from kam.campaigns.mailings import mailing_save
    from kam.campaigns.models import Mailing
    from kam.campaigns.segments import segment_save

    segment = segment_save(segment=None, name=title, filters={}, user=sender)
    mailing = Mailing(
        title=title,
        purpose="price_lists",
        segment=segment,
        attachment="master_data",
        subject="Preisliste 2027 für {firma}",
        body="Guten Tag {name},\nanbei ...",
    )
    return mailing_save(mailing=mailing, user=sender)


def peer_queue(sender, sample: int) -> float:
    """The naive way: the gate and one INSERT per recipient."""
    from kam.campaigns import outbox
    from kam.campaigns.gate import gate
    from kam.campaigns.mailings import render_for
    from kam.campaigns.segments import segment_stakeholders

    mailing = make_mailing(sender, "Peer")
    people = list(segment_stakeholders(segment=mailing.segment, user=sender)[:sample])
    started = time.perf_counter()
    for person in people:
        if gate(stakeholder=person, purpose=mailing.purpose).allowed:
            mail = render_for(mailing, person)
            outbox.mail_enqueue(
                kind="mailing",
                to_email=person.email,
                subject=mail.subject,
                body_text=mail.body_text,
                body_html=mail.body_html,
                stakeholder=person,
                account=person.account,
                mailing=mailing,
                occurrence="peer",
                purpose=mailing.purpose,
            )
    return time.perf_counter() - started


def peer_smtp(messages: int) -> float:
    from django.core.mail import EmailMultiAlternatives, get_connection

    connection = get_connection()
    connection.open()
    started = time.perf_counter()
    for n in range(messages):
        EmailMultiAlternatives(
            f"Peer {n}", "Hallo", to=[f"peer{n}@example.com"], connection=connection
        ).send()
    connection.close()
    return time.perf_counter() - started


def _sink_process(port_pipe, stop) -> None:
    from kam.campaigns.tests.smtp_sink import Sink

    with Sink() as sink:
        port_pipe.send(sink.port)
        stop.wait()
        port_pipe.send(dict(sink.deliveries))


def deliver_to_own_sink(limit: int):
    """One worker against a sink in another process: the worker's CPU time is its own."""
    import multiprocessing

    from django.conf import settings

    from kam.campaigns import outbox

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    stop = context.Event()
    process = context.Process(target=_sink_process, args=(theirs, stop), daemon=True)
    process.start()
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, ours.recv()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = outbox.deliver(worker="bench", limit=limit, rate_per_second=0)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    finally:
        stop.set()
        delivered = ours.recv()
        process.join()
        settings.EMAIL_PORT = port
    return report, seconds, cpu_seconds, delivered


def two_workers_with_kills(env: dict, rng: random.Random, kills_wanted: int) -> int:
    from kam.campaigns.models import MailStatus, OutboxMail

    command = [sys.executable, "-m", "kam.cli", "campaigns-deliver", "--limit", "100000"]
    workers: dict[str, subprocess.Popen] = {}
    kills = 0
    while OutboxMail.objects.filter(status__in=[MailStatus.QUEUED, MailStatus.RETRY]).exists():
        for slot in ("a", "b"):
            if slot not in workers or workers[slot].poll() is not None:
                workers[slot] = subprocess.Popen(  # noqa: S603
                    [*command, "--worker", f"{slot}{kills}"], env=env, stdout=subprocess.DEVNULL
                )
        time.sleep(rng.uniform(1.0, 4.0))
        if kills < kills_wanted:
            os.kill(workers[rng.choice("ab")].pid, signal.SIGKILL)
            kills += 1
    for worker in workers.values():
        worker.wait(timeout=300)
    return kills


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()
    from kam.campaigns.tests.smtp_sink import Sink

    with tempfile.TemporaryDirectory() as data_dir, Sink() as sink:
        env = setup_django(data_dir, sink.port)
        from kam.campaigns import mailings
        from kam.campaigns.models import MailStatus, OutboxMail

        sender = create_people(args.recipients)
        mailing = make_mailing(sender, "Preisliste")

        started, cpu = time.perf_counter(), time.process_time()
        queued = mailings.mailing_queue(mailing=mailing, occurrence="2027")
        queue_seconds = time.perf_counter() - started
        queue_cpu = time.process_time() - cpu
        sample = min(1000, args.recipients)
        peer_seconds = peer_queue(sender, sample) * args.recipients / sample
        OutboxMail.objects.filter(occurrence="peer").delete()
        verdict = "met" if queue_seconds <= QUEUE_TARGET_SECONDS else "MISSED"
        print(
            f"queue {queued} recipients: {queue_seconds:.2f} s (target <= "
            f"{QUEUE_TARGET_SECONDS:.0f} s: {verdict}); peer (gate + INSERT per recipient, "
            f"extrapolated from {sample}): {peer_seconds:.2f} s; "
            f"ratio {peer_seconds / queue_seconds:.1f}x; CPU time {queue_cpu:.2f} s, "
            f"load average {os.getloadavg()[0]:.1f}"
        )

        one_worker = min(2000, queued // 2)
        report, seconds, cpu_seconds, delivered = deliver_to_own_sink(one_worker)
        assert sum(delivered.values()) == report.sent, (delivered, report.sent)
        cpu_rate = report.sent / cpu_seconds
        rate = report.sent / seconds
        peer_rate = one_worker / peer_smtp(one_worker)
        verdict = "met" if rate >= DELIVERY_TARGET_PER_SECOND else "MISSED"
        print(
            f"deliver {report.sent} mails with a PDF each, one worker: {rate:.0f} mails/s "
            f"({seconds:.2f} s wall, {cpu_seconds:.2f} CPU s) "
            f"(target >= {DELIVERY_TARGET_PER_SECOND:.0f}: {verdict}); peer (bare SMTP, no "
            f"claim/gate/PDF/record): {peer_rate:.0f} mails/s; ratio {rate / peer_rate:.2f}; "
            f"per CPU second of the worker (the sink runs in another process): {cpu_rate:.0f} "
            f"mails, "
            f"load average {os.getloadavg()[0]:.1f}"
        )

        started = time.perf_counter()
        kills = two_workers_with_kills(env, random.Random(18), args.kills)
        subprocess.run(
            [sys.executable, "-m", "kam.cli", "campaigns-deliver", "--recover-after", "0"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )  # noqa: S603
        seconds = time.perf_counter() - started
        rows = dict(OutboxMail.objects.filter(mailing=mailing).values_list("message_id", "status"))
        deliveries = sink.deliveries + Counter(delivered)
        sent = [m for m, status in rows.items() if status == MailStatus.SENT]
        uncertain = [m for m, status in rows.items() if status == MailStatus.UNCERTAIN]
        twice = sum(1 for m in rows if deliveries[m] > 1)
        exact = all(deliveries[m] == 1 for m in sent)
        print(
            f"two workers, {kills} SIGKILLs, {seconds:.1f} s: {len(sent)} sent, "
            f"{len(uncertain)} uncertain, {sum(deliveries[m] for m in rows)} delivered, "
            f"{twice} delivered twice; every 'sent' delivered exactly once: {exact}"
        )
        if twice or not exact or len(sent) + len(uncertain) != len(rows):
            sys.exit("at-most-once delivery violated")


if __name__ == "__main__":
    main()
