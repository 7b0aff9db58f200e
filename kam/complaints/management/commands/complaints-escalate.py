from django.core.management.base import BaseCommand

from kam.complaints.tasks import escalate_complaints


class Command(BaseCommand):
    help = "Sendet fällige SLA-Warnungen und Eskalationen zu Reklamationen (jede nur einmal)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="in die Aufgabenwarteschlange stellen"
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            escalate_complaints.enqueue()
            self.stdout.write("Eskalationslauf eingereiht.")
            return
        sent = escalate_complaints.call()
        self.stdout.write(f"{sent} Benachrichtigung(en) versendet.")
