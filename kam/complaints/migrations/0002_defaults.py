"""Default categories, root causes (process-error taxonomy) and the company SLA grid."""

from django.db import migrations

CATEGORIES = [
    ("delivery_delay", "Lieferverzug"),
    ("wrong_delivery", "Falschlieferung"),
    ("quality_defect", "Qualitätsmangel"),
    ("invoice_error", "Rechnungsfehler"),
    ("service", "Service / Verhalten"),
    ("other", "Sonstiges"),
]
ROOT_CAUSES = [
    ("order_entry", "Auftragserfassung"),
    ("picking", "Kommissionierung"),
    ("transport", "Transport"),
    ("production", "Produktion"),
    ("invoicing", "Fakturierung"),
    ("product_design", "Produktdesign"),
    ("supplier", "Lieferant"),
    ("communication", "Kommunikation"),
]
# Business hours (a working day has 9): acknowledge, resolve.
SLA = {
    "strategic": {"critical": (2, 18), "high": (4, 27), "medium": (8, 45), "low": (9, 90)},
    "key_account": {"critical": (4, 27), "high": (8, 45), "medium": (9, 63), "low": (18, 90)},
    "candidate": {"critical": (8, 45), "high": (9, 63), "medium": (18, 90), "low": (27, 135)},
    "none": {"critical": (9, 63), "high": (18, 90), "medium": (27, 135), "low": (45, 180)},
}


def create_defaults(apps, schema_editor):
    # Into the database being migrated (kam move-to-postgres migrates a second one); tests call
    # this without a schema editor for the default database.
    alias = schema_editor.connection.alias if schema_editor else "default"
    for model, rows in (("ComplaintCategory", CATEGORIES), ("RootCause", ROOT_CAUSES)):
        Model = apps.get_model("complaints", model)
        for position, (code, name) in enumerate(rows, start=1):
            Model.objects.using(alias).get_or_create(
                code=code, defaults={"name": name, "position": position}
            )
    SlaTemplate = apps.get_model("complaints", "SlaTemplate")
    for status, grid in SLA.items():
        for severity, (acknowledge, resolve) in grid.items():
            SlaTemplate.objects.using(alias).get_or_create(
                account_status=status,
                severity=severity,
                defaults={"acknowledge_hours": acknowledge, "resolve_hours": resolve},
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
