import random

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from kam.accounts.models import Account
from kam.core.audit import Source, audit_source
from kam.core.plugins import app_modules
from kam.core.services import bulk_event_record
from kam.demo import company
from kam.users.models import User


class Command(BaseCommand):
    help = "Lädt die Demo-Firma (deterministisch) und zeigt die Demo-Zugänge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=400, help="Anzahl Kunden")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--if-empty", action="store_true", help="nur laden, wenn noch keine Kunden existieren"
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and (Account.objects.exists() or User.objects.exists()):
            self.stdout.write("Datenbank enthält bereits Daten; Demo wird nicht erneut geladen.")
        elif User.objects.filter(username__in=[u[0] for u in company.DEMO_USERS]).exists():
            self.stderr.write("Die Demo-Benutzer existieren schon; Demo wird nicht erneut geladen.")
        else:
            self._load(options["accounts"], options["seed"])
        self._print_logins()

    def _load(self, count: int, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        with transaction.atomic(), audit_source(Source.CLI):
            users = company.create_users()
            accounts = company.create_accounts(rng, users, count)
            company.assign_status(rng, accounts)
            company.create_teams(rng, users, accounts)
            company.create_stakeholders(rng, accounts)
            demo_company = company.DemoCompany(users=users, accounts=accounts)
            for module in app_modules("demo"):
                self.stdout.write(f"Demo: {module.__name__} …")
                module.populate(rng, demo_company)
            bulk_event_record(
                action="demo",
                summary=f"Demo-Firma geladen: {len(accounts)} Kunden (Seed {seed})",
                row_count=len(accounts),
                source=Source.CLI,
            )
        self.stdout.write(self.style.SUCCESS(f"Demo-Firma geladen: {len(accounts)} Kunden."))

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo-Zugänge (Passwort für alle: {company.DEMO_PASSWORD}):")
        for username, role, first, last, _manager in company.DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.label:<20} {first} {last}")
