import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.core.audit import audit_source
from kam.users.models import Role, User
from kam.users.services import user_create


class Command(BaseCommand):
    help = "Legt einen Benutzer mit Rolle an (Passwort über die Standardeingabe)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--manager", help="Benutzername der/des Vorgesetzten")
        parser.add_argument("--password-stdin", action="store_true", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, **options) -> None:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CommandError("Kein Passwort auf der Standardeingabe.")
        manager = None
        if options["manager"]:
            manager = User.objects.filter(username=options["manager"]).first()
            if manager is None:
                raise CommandError(f"Vorgesetzte(r) {options['manager']!r} existiert nicht.")
        try:
            with audit_source("cli"):
                user = user_create(
                    username=options["username"],
                    password=password,
                    role=options["role"],
                    manager=manager,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Benutzer {user.username} ({user.get_role_display()}) angelegt.")
