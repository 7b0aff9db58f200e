"""kam backup / restore / move-to-postgres / upgrade on the demo company."""

import importlib
import io
import os

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from kam.accounts.models import Account
from kam.core.models import BulkEvent
from kam.core.operations import _target, copied_models

PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# One scratch database per test process: parallel workers and legs never share it.
MOVE_DB = f"kam_test_move_{os.getpid()}"
MOVE_URL = f"postgres://postgres@127.0.0.1:5432/{MOVE_DB}"

# Committed transactions (SQLite's backup API and COPY see only committed rows). No serialized
# rollback: after another transactional test's flush it collides with the content types that
# flush recreates; the demo fixture seeds what the migrations seed instead, as the complaint
# factories do.
pytestmark = pytest.mark.django_db(transaction=True)


def snapshot(alias: str = "default") -> dict[str, list[tuple]]:
    """Every row of every table, in id order."""
    return {
        model._meta.db_table: list(
            model._default_manager.using(alias)
            .order_by("pk")
            .values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in copied_models()
    }


@pytest.fixture
def demo():
    # Checked before the demo is loaded: backup, restore and the move are SQLite operations (the
    # PostgreSQL leg's pg_dump/pg_restore are not covered here).
    if connection.vendor != "sqlite":
        pytest.skip("kam backup, restore and move-to-postgres start from a SQLite installation")
    # A transactional test that ran before may have flushed the seeded rows (idempotent).
    seeding = importlib.import_module("kam.complaints.migrations.0002_defaults")
    seeding.create_defaults(apps, None)
    call_command("demo", "--accounts", "30", "--seed", "5", stdout=io.StringIO())


def test_a_restored_backup_is_identical_to_the_database_backed_up(demo, tmp_path):
    before = snapshot()
    call_command("backup", str(tmp_path / "kam.sqlite3"), stdout=io.StringIO())
    Account.objects.update(name="überschrieben")
    BulkEvent.objects.create(source="cli", action="after the backup")
    BulkEvent.objects.order_by("pk").first().delete()

    call_command("restore", str(tmp_path / "kam.sqlite3"), stdout=io.StringIO())

    after = snapshot()
    assert sum(len(rows) for rows in before.values()) > 1000
    assert after == before


@pytest.fixture
def empty_postgres():
    try:
        server = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL reachable at {PG_SERVER}: {error}")
    server.execute(f"DROP DATABASE IF EXISTS {MOVE_DB} WITH (FORCE)")
    server.execute(f"CREATE DATABASE {MOVE_DB}")
    try:
        yield MOVE_URL
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {MOVE_DB} WITH (FORCE)")
        server.close()


def test_move_to_postgres_copies_every_row_and_ids_continue(demo, empty_postgres):
    source = snapshot()

    call_command("move-to-postgres".replace("-", "_"), empty_postgres, stdout=io.StringIO())

    with _target(empty_postgres) as alias:
        moved = snapshot(alias)
        highest = max(pk for pk, *_ in source[BulkEvent._meta.db_table])
        new = BulkEvent.objects.using(alias).create(source="cli", action="after the move")
    assert {t: len(r) for t, r in moved.items()} == {t: len(r) for t, r in source.items()}
    assert moved == source
    assert new.pk == highest + 1


def test_move_to_postgres_refuses_a_database_that_is_not_empty(demo, empty_postgres):
    from django.core.management.base import CommandError

    with psycopg.connect(empty_postgres, autocommit=True) as target:
        target.execute("CREATE TABLE something (x int)")

    with pytest.raises(CommandError, match="nicht leer"):
        call_command("move_to_postgres", empty_postgres, stdout=io.StringIO())
