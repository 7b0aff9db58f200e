from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Alles, was ein Update braucht: Migrationen, statische Dateien, übersetzte Texte."

    def handle(self, *args, **options) -> None:
        from kam.core.operations import messages_compile
        from kam.core.staticfiles import static_collect_if_outdated

        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        collected = static_collect_if_outdated()
        self.stdout.write("Statische Dateien " + ("gesammelt" if collected else "aktuell"))
        failed = messages_compile()
        if failed:
            self.stderr.write(
                "Übersetzungen nicht übersetzt (msgfmt fehlt oder schreibgeschützt), "
                f"die mitgelieferten bleiben: {', '.join(failed)}"
            )
        self.stdout.write("kam ist aktuell.")
