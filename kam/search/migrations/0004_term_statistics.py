"""Finer statistics of the search terms on PostgreSQL.

A company's words are few and very uneven (a city or a trade in thousands of names, most
surnames in a handful); with the default 100 most common values PostgreSQL took a word shared
by 5,000 accounts for a rare one and checked every name's other words against all of them (a
two-word search took seconds). 1,000 values cover the frequent words.
"""

from django.db import migrations


def finer_statistics(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchterm ALTER COLUMN term SET STATISTICS 1000")


def default_statistics(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchterm ALTER COLUMN term SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_weight_index")]

    operations = [migrations.RunPython(finer_statistics, default_statistics)]
