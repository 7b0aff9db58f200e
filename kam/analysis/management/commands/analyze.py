import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.analysis.engine import NoFactsError
from kam.analysis.models import RunTrigger
from kam.analysis.report import analysis_json, analysis_table
from kam.analysis.services import analysis_compute, analysis_run
from kam.core.audit import Source, audit_source


def as_of_date(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--as-of: %(value)s is not a date in the form YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Runs an analysis (ABC/XYZ, RFM, concentration, CLV, forecast, score) and prints it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="Stichtag YYYY-MM-DD (Standard: heute)")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument(
            "--no-store", action="store_true", help="nur rechnen und ausgeben, nichts speichern"
        )

    def handle(self, *args, **options) -> None:
        as_of = as_of_date(options["as_of"])
        try:
            with audit_source(Source.CLI):
                if options["no_store"]:
                    outcome = analysis_compute(as_of=as_of)
                else:
                    _run, outcome = analysis_run(as_of=as_of, trigger=RunTrigger.CLI)
        except NoFactsError:
            raise CommandError(
                _("No sales before %(day)s: there is nothing to analyse.") % {"day": as_of}
            ) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(analysis_json(outcome), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(analysis_table(outcome))
