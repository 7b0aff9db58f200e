"""Builds the index of an installation that had none (with the current sources)."""

from django.db import migrations


def build(apps, schema_editor) -> None:
    from kam.search.index import index_rebuild

    if schema_editor.connection.alias != "default":
        return
    index_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("accounts", "0002_initial"),
        ("complaints", "0002_defaults"),
        ("activities", "0003_alter_cadencerule_account_status_and_more"),
    ]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
