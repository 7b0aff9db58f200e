from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Sichert die Datenbank, während kam läuft (SQLite: Online-Backup, PostgreSQL: pg_dump). "
        "Ohne PATH nach KAM_DATA_DIR/backups/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path)

    def handle(self, *args, **options) -> None:
        from kam.core.operations import backup_default_path, backup_write

        path = backup_write(options["path"] or backup_default_path())
        self.stdout.write(f"Gesichert: {path}")
