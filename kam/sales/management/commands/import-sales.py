"""`kam import-sales FILE [FILE ...]`: import ERP sales exports (CSV/XLSX)."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.core.audit import Source
from kam.sales.importer import ImportRefused, import_sales
from kam.sales.models import ImportProfile
from kam.sales.reading import CANONICAL_FIELDS


class Command(BaseCommand):
    help = "Importiert Umsatzdaten aus ERP-Exporten (CSV/XLSX)."
    # The system checks load every URL and view (numpy, scipy): a second of start-up that an
    # import does not need (`kam check` and `kam serve` run them).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Spaltenzuordnung überschreiben; Felder: {', '.join(CANONICAL_FIELDS)}",
        )
        parser.add_argument("--profile", help="gespeichertes Importprofil verwenden")
        parser.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts schreiben")
        parser.add_argument("--report", type=Path, help="Bericht als JSON in diese Datei")

    def handle(self, *args, **options) -> None:
        mapping = self._mapping(options["profile"], options["map"])
        progress = _ProgressBar(self.stderr) if sys.stderr.isatty() else None
        started = time.monotonic()
        try:
            report, record = import_sales(
                paths=options["files"],
                mapping=mapping,
                dry_run=options["dry_run"],
                source=Source.CLI,
                progress=progress,
            )
        except ImportRefused as refused:
            self.stderr.write(f"Import abgebrochen, nichts geschrieben: {refused}")
            sys.exit(2)
        if progress:
            progress.close()
        if options["report"]:
            with options["report"].open("w", encoding="utf-8") as out:
                report.write_json(out)
        self._summary(report, options["dry_run"], time.monotonic() - started)
        if record is not None:
            from kam.sales.services import sales_import_finished

            sales_import_finished(sales_import=record)

    @staticmethod
    def _mapping(profile_name: str | None, pairs: list[str]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        if profile_name:
            profile = ImportProfile.objects.filter(name=profile_name).first()
            if profile is None:
                raise CommandError(f"Importprofil {profile_name!r} gibt es nicht.")
            mapping.update(profile.mapping)
        for pair in pairs:
            field, sep, column = pair.partition("=")
            if not sep or field not in CANONICAL_FIELDS:
                fields = ", ".join(CANONICAL_FIELDS)
                raise CommandError(f"--map {pair!r}: erwartet FELD=SPALTE, FELD aus: {fields}")
            mapping[field] = column
        return mapping

    def _summary(self, report, dry_run: bool, seconds: float) -> None:
        title = "Probelauf (nichts geschrieben)" if dry_run else "Import fertig"
        rate = report.rows / seconds if seconds else 0
        self.stdout.write(
            f"{title}: {report.rows} Zeilen in {seconds:.1f} s ({rate:,.0f} Zeilen/s)\n"
            f"  neu: {report.imported}  geändert: {report.updated}  "
            f"unverändert: {report.unchanged}  doppelt in Datei: {report.duplicates_in_file}  "
            f"abgelehnt: {len(report.rejected)}  neue Kunden: {report.accounts_created}"
        )
        for rejected in report.rejected[:10]:
            column = f" [{rejected['column']}]" if rejected["column"] else ""
            self.stdout.write(
                f"  {rejected['file']}:{rejected['line']}{column} {rejected['reason']}"
            )
        if len(report.rejected) > 10:
            self.stdout.write(f"  … und {len(report.rejected) - 10} weitere (siehe --report)")


class _ProgressBar:
    def __init__(self, stream) -> None:
        self.stream = stream

    def __call__(self, name: str, done: int, expected: int) -> None:
        self.stream.write(f"\r{name}: {done:,} Zeilen gelesen …", ending="")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("")
