from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kam.analysis.models import RunTrigger
from kam.analysis.tasks import run_analysis


class Command(BaseCommand):
    help = "Nightly analysis run (schedule daily, e.g. 02:30): stores the results of today."

    def handle(self, *args, **options) -> None:
        run_id = run_analysis.call(trigger=RunTrigger.NIGHTLY)
        if run_id is None:
            self.stdout.write(_("No sales yet: no analysis stored."))
        else:
            self.stdout.write(_("Analysis #%(run)d stored.") % {"run": run_id})
