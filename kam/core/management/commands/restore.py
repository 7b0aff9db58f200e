from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Stellt die Datenbank aus einer Sicherung von kam backup wieder her (ersetzt den Inhalt; "
        "kam vorher anhalten)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options) -> None:
        from kam.core.operations import backup_restore

        backup_restore(options["path"])
        self.stdout.write(f"Wiederhergestellt aus {options['path']}")
