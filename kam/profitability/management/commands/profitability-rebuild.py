import time

from django.core.management.base import BaseCommand

from kam.core.audit import Source, audit_source
from kam.profitability.services import statements_refresh_all


class Command(BaseCommand):
    help = (
        "Rebuilds the cost-driver facts from the contacts and complaints and recomputes every "
        "profitability statement of the window (the repair the nightly job also runs)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--keep-drivers",
            action="store_true",
            help="only recompute the statements from the kept driver facts",
        )

    def handle(self, *args, keep_drivers: bool, **options) -> None:
        started = time.perf_counter()
        with audit_source(Source.JOB):
            stored = statements_refresh_all(rebuild_drivers=not keep_drivers)
        self.stdout.write(
            f"{stored.rows} statements, {stored.written} written, {stored.deleted} removed "
            f"in {time.perf_counter() - started:.1f} s"
        )
