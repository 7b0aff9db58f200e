"""Default cost rates (from 01/2020 without an end; the model's defaults are typical German
figures) and the care entitlement per account class, for leadership to adjust."""

import datetime
from decimal import Decimal

from django.db import migrations

ENTITLEMENTS = {
    "strategic": Decimal("12.00"),
    "key_account": Decimal("10.00"),
    "candidate": Decimal("8.00"),
    "none": Decimal("5.00"),
}
DEFAULT_RATES_FROM = datetime.date(2020, 1, 1)


def create_defaults(apps, schema_editor):
    # Into the database being migrated (kam move-to-postgres migrates a second one).
    alias = schema_editor.connection.alias if schema_editor else "default"
    CostRates = apps.get_model("profitability", "CostRates")
    if not CostRates.objects.using(alias).exists():
        CostRates.objects.using(alias).create(valid_from=DEFAULT_RATES_FROM)
    CareEntitlement = apps.get_model("profitability", "CareEntitlement")
    for status, share in ENTITLEMENTS.items():
        CareEntitlement.objects.using(alias).get_or_create(
            account_status=status, defaults={"share_percent": share}
        )


class Migration(migrations.Migration):
    dependencies = [("profitability", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
