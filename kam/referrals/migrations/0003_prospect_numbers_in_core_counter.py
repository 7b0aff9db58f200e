"""Prospect numbers (INT-00001) move from "the highest one taken plus one" to
kam.core.numbering: the counter starts at the highest number taken so far."""

from django.db import migrations

PREFIX = "INT-"
KIND = "prospect"


def start_counter(apps, schema_editor):
    account = apps.get_model("accounts", "Account")
    counter = apps.get_model("core", "Counter")
    taken = (
        account.objects.using(schema_editor.connection.alias)
        .filter(customer_number__startswith=PREFIX)
        .values_list("customer_number", flat=True)
    )
    numbers = [int(n[len(PREFIX) :]) for n in taken if n[len(PREFIX) :].isdigit()]
    if numbers:
        found, _created = counter.objects.using(schema_editor.connection.alias).get_or_create(
            kind=KIND, year=0
        )
        found.last_number = max(found.last_number, *numbers)
        found.save(update_fields=["last_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_potential"),
        ("accounts", "0002_initial"),
        ("core", "0005_counter"),
    ]

    operations = [migrations.RunPython(start_counter, migrations.RunPython.noop)]
