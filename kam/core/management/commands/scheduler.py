import time

from django.core.management.base import BaseCommand, CommandParser

from kam.core.scheduler import all_jobs, enqueue_due


class Command(BaseCommand):
    help = (
        "Stellt periodische Aufgaben (nächtliche Analyse, tägliche Kontaktüberwachung, "
        "Eskalationen) in die Warteschlange."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="einmal prüfen und beenden")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, **options) -> None:
        names = ", ".join(job.name for job in all_jobs())
        self.stdout.write(f"Periodische Aufgaben: {names}")
        while True:
            for name in enqueue_due():
                self.stdout.write(f"gestartet: {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
