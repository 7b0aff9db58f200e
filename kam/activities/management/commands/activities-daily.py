from django.core.management.base import BaseCommand, CommandParser

from kam.activities.tasks import activities_daily


class Command(BaseCommand):
    help = "Überfällige Kundenkontakte melden und fällige nächste Schritte erinnern (täglich)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="an den Worker übergeben statt selbst ausführen"
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            result = activities_daily.enqueue()
            self.stdout.write(f"Aufgabe eingereiht: {result.id}")
            return
        counts = activities_daily.call()
        self.stdout.write(
            f"Überfällig-Meldungen: {counts['overdue_notices']}, "
            f"Erinnerungen an nächste Schritte: {counts['next_step_reminders']}"
        )
