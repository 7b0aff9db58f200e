"""`kam serve`: the production WSGI server (gunicorn), the background worker and the scheduler,
supervised: a child that dies is started again (after 1, 2, 4 … at most 60 seconds while it keeps
dying), the others keep running; SIGTERM or SIGINT stops them all."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

#: A child that ran this long before it died starts again at once (its backoff is reset).
HEALTHY_AFTER_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 60.0


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict
    worker: bool = False  # a `kam worker`: gets a worker id, its tasks are failed when it dies
    process: subprocess.Popen | None = None
    worker_id: str = ""
    started_at: float = 0.0
    backoff: float = 0.0
    restart_at: float = field(default=0.0)

    def start(self) -> None:
        argv = list(self.argv)
        if self.worker:
            from kam.core.workers import worker_id_new

            self.worker_id = worker_id_new()
            argv += ["--worker-id", self.worker_id]
        self.process = subprocess.Popen(argv, env=self.env)  # noqa: S603 (fixed argv, no shell)
        self.started_at = time.monotonic()

    def died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def schedule_restart(self, now: float) -> None:
        ran = now - self.started_at
        self.backoff = (
            0.0
            if ran >= HEALTHY_AFTER_SECONDS
            else min(MAX_BACKOFF_SECONDS, max(1.0, self.backoff * 2))
        )
        self.restart_at = now + self.backoff
        self.process = None


class Command(BaseCommand):
    help = "Startet kam: Webserver (gunicorn), Hintergrund-Worker und Zeitplaner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("KAM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KAM_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KAM_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("KAM_WEB_THREADS", "4"))
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="nur den Webserver starten (ohne Worker und Zeitplaner)",
        )

    def handle(self, *args, **options) -> None:
        from kam.core.staticfiles import static_collect_if_outdated

        if static_collect_if_outdated():
            self.stdout.write(f"Statische Dateien gesammelt in {settings.STATIC_ROOT}")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kam.settings.base"),
        }
        children = [Child("web", self._web(options), env)]
        if not options["no_worker"]:
            kam = [sys.executable, "-m", "kam.cli"]
            children.append(Child("worker", [*kam, "worker"], env, worker=True))
            children.append(Child("scheduler", [*kam, "scheduler"], env))
        for child in children:
            child.start()
        self.stdout.write(
            f"kam läuft auf http://{options['host']}:{options['port']}/ "
            f"(Daten: {settings.DATA_DIR}); beenden mit Strg+C."
        )
        self._supervise(children)

    @staticmethod
    def _web(options: dict) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # Bounded request head (a body larger than the upload limit is refused by
            # kam.core.middleware.RequestSizeLimitMiddleware from its Content-Length, unread).
            "--limit-request-line",
            "4094",
            "--limit-request-fields",
            "100",
            "--limit-request-field_size",
            "8190",
            # gunicorn's control socket defaults to one path per user: every kam serve of that
            # user would share it. kam stops and restarts its children itself.
            "--no-control-socket",
        ]

    def _supervise(self, children: list[Child]) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.died():
                    self._child_died(child, now)
                elif child.process is None and now >= child.restart_at and not stopping:
                    child.start()
                    pid = child.process.pid if child.process else "?"
                    self.stdout.write(f"{child.name} neu gestartet (pid {pid})")
            time.sleep(0.2)
        self._stop_all(children)

    def _child_died(self, child: Child, now: float) -> None:
        code = child.process.returncode if child.process else None
        self.stderr.write(f"{child.name} beendet (Status {code}); wird neu gestartet")
        if child.worker:
            self._worker_lost(child.worker_id)
        child.schedule_restart(now)

    def _worker_lost(self, worker_id: str) -> None:
        from django.db import DatabaseError

        from kam.core.workers import worker_lost

        try:
            failed = worker_lost(worker_id=worker_id)
        except DatabaseError as error:
            self.stderr.write(f"Aufgaben des Workers nicht geprüft: {error}")
            return
        if failed:
            self.stderr.write(f"als fehlgeschlagen markiert: {', '.join(failed)}")

    @staticmethod
    def _stop_all(children: list[Child]) -> None:
        running = [child.process for child in children if child.process and not child.died()]
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
