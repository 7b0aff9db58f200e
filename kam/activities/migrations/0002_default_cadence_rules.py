"""The company's starting cadence: leadership edits it on the cadence page."""

from django.db import migrations

DEFAULTS = {
    "strategic": (28, 14),  # a visit every 4 weeks, a contact every 2 weeks
    "key_account": (91, 30),  # a visit per quarter, a contact per month
    "candidate": (None, 91),  # a contact per quarter
    "none": (None, None),
}


def create_rules(apps, schema_editor):
    # Into the database being migrated (kam move-to-postgres migrates a second one).
    CadenceRule = apps.get_model("activities", "CadenceRule")
    for status, (visit, contact) in DEFAULTS.items():
        CadenceRule.objects.using(schema_editor.connection.alias).get_or_create(
            account_status=status,
            defaults={"visit_every_days": visit, "contact_every_days": contact},
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
