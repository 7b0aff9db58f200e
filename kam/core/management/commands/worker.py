from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Startet den Hintergrund-Worker (Analysen, Importe, Erinnerungen, Mailings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Sekunden zwischen Abfragen"
        )

    def handle(self, *args, **options) -> None:
        call_command("db_worker", interval=options["interval"], startup_delay=False)
