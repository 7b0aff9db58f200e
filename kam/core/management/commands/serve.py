"""`kam serve`: the production WSGI server (gunicorn) and the background worker together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


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
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kam.settings.base"),
        }
        children = [self._web(options, env)]
        if not options["no_worker"]:
            for command in ("worker", "scheduler"):
                argv = [sys.executable, "-m", "kam.cli", command]
                children.append(subprocess.Popen(argv, env=env))  # noqa: S603 (fixed argv)
        self.stdout.write(
            f"kam läuft auf http://{options['host']}:{options['port']}/ "
            f"(Daten: {settings.DATA_DIR}); beenden mit Strg+C."
        )
        self._supervise(children)

    @staticmethod
    def _web(options: dict, env: dict) -> subprocess.Popen:
        command = [
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
        ]
        return subprocess.Popen(command, env=env)  # noqa: S603 (fixed argv, no shell)

    @staticmethod
    def _supervise(children: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Either child ending ends kam as a whole: a web server without its worker (or the
        # reverse) would look healthy while work silently piles up.
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
