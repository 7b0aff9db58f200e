"""A statement's key is its account and month: the id column, its sequence and index go.

Django does not migrate a table to a composite primary key by itself: the model's state changes
here, and the table follows in SQL, keeping its statements (PostgreSQL in place; SQLite, which
cannot drop a key column, by a new table that Django creates from the new state).
"""

from django.db import migrations, models

TABLE = "profitability_accountstatement"
OLD_TABLE = "profitability_accountstatement_old"


def _postgresql(schema_editor) -> None:
    for sql in (
        f"ALTER TABLE {TABLE} DROP CONSTRAINT one_statement_per_account_month",
        f"ALTER TABLE {TABLE} DROP COLUMN id",  # its key constraint and sequence with it
        f"ALTER TABLE {TABLE} ADD PRIMARY KEY (account_id, month)",
    ):
        schema_editor.execute(sql)


def _sqlite(apps, schema_editor) -> None:
    statement = apps.get_model("profitability", "AccountStatement")
    columns = ", ".join(field.column for field in statement._meta.local_concrete_fields)
    schema_editor.execute("DROP INDEX statement_month")
    schema_editor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD_TABLE}")
    schema_editor.create_model(statement)
    schema_editor.execute(
        f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {OLD_TABLE}"  # noqa: S608
    )
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")


def key_by_account_and_month(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _postgresql(schema_editor)
    else:
        _sqlite(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("profitability", "0004_statement_erp_cost"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="accountstatement",
                    name="one_statement_per_account_month",
                ),
                migrations.RemoveField(
                    model_name="accountstatement",
                    name="id",
                ),
                migrations.AddField(
                    model_name="accountstatement",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "account_id",
                        "month",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ]
        ),
        migrations.RunPython(key_by_account_and_month, elidable=False),
    ]
