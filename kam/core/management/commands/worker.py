from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Startet den Hintergrund-Worker (Analysen, Importe, Erinnerungen, Mailings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Sekunden zwischen Abfragen"
        )
        parser.add_argument("--worker-id", default="", help="eindeutige Kennung (sonst erzeugt)")

    def handle(self, *args, **options) -> None:
        from kam.core.workers import (
            Heartbeat,
            heartbeat_beat,
            heartbeat_remove,
            tasks_orphaned_fail,
            worker_id_new,
        )

        worker_id = options["worker_id"] or worker_id_new()
        # The first beat before the first task: a task is never claimed by a worker without one.
        heartbeat_beat(worker_id=worker_id)
        tasks_orphaned_fail()
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        try:
            call_command(
                "db_worker",
                interval=options["interval"],
                startup_delay=False,
                worker_id=worker_id,
                reload=False,
            )
        finally:
            heartbeat.stop()
            heartbeat_remove(worker_id=worker_id)
