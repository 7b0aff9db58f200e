"""The default approval authority (leadership edits it): key account managers up to 10 %
discount and a 25 % margin floor, field reps up to 5 % and 30 %, the company floor 15 %;
sales leadership and administrators may grant anything (kam.core.permissions)."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("kam", "", Decimal("10"), Decimal("25")),
    ("field", "", Decimal("5"), Decimal("30")),
    ("", "", None, Decimal("15")),
]


def seed(apps, schema_editor):
    rule = apps.get_model("conditions", "AuthorityRule")
    manager = rule.objects.using(schema_editor.connection.alias)
    if manager.exists():
        return
    manager.bulk_create(
        rule(role=role, abc_class=abc, max_discount_percent=discount, margin_floor_percent=floor)
        for role, abc, discount, floor in DEFAULTS
    )


class Migration(migrations.Migration):
    dependencies = [("conditions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
