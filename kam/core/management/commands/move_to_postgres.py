from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Kopiert diese SQLite-Installation vollständig in eine leere PostgreSQL-Datenbank "
        "(danach DATABASE_URL auf sie setzen)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("database_url", help="z. B. postgres://kam:geheim@db/kam")

    def handle(self, *args, **options) -> None:
        from kam.core.operations import move_to_postgres

        copied = move_to_postgres(options["database_url"])
        self.stdout.write(
            f"{sum(copied.values())} Zeilen in {len(copied)} Tabellen kopiert. "
            "Jetzt kam anhalten, DATABASE_URL auf die neue Datenbank setzen und neu starten."
        )
