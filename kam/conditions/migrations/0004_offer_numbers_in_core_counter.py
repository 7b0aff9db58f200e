"""Offer numbers move to kam.core.numbering: the per-year counters are copied to core.Counter
(kind "offer"), so the numbering continues where it was, then the old table goes."""

from django.db import migrations

KIND = "offer"


def copy_forward(apps, schema_editor):
    old = apps.get_model("conditions", "OfferCounter")
    counter = apps.get_model("core", "Counter")
    for row in old.objects.using(schema_editor.connection.alias).all():
        found, _created = counter.objects.using(schema_editor.connection.alias).get_or_create(
            kind=KIND, year=row.year
        )
        if found.last_number < row.last_number:
            found.last_number = row.last_number
            found.save(update_fields=["last_number"])


def copy_back(apps, schema_editor):
    old = apps.get_model("conditions", "OfferCounter")
    counter = apps.get_model("core", "Counter")
    for row in counter.objects.using(schema_editor.connection.alias).filter(kind=KIND):
        old.objects.using(schema_editor.connection.alias).update_or_create(
            year=row.year, defaults={"last_number": row.last_number}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0003_mfc_index"),
        ("core", "0005_counter"),
    ]

    operations = [
        migrations.RunPython(copy_forward, copy_back),
        migrations.DeleteModel(name="OfferCounter"),
    ]
