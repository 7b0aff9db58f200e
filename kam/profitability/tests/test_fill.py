"""Filling an empty statements table (PostgreSQL): a new table filled in parts, swapped in."""

import threading

import pytest
import time_machine
from django.db import connection

from kam.profitability import fill, services
from kam.profitability.models import AccountStatement
from kam.profitability.tests.helpers import TODAY
from kam.profitability.tests.test_parts import MARCH, _dataset

TABLE = AccountStatement._meta.db_table


def _rows() -> list[tuple]:
    """Every stored statement with every figure, the ERP's costs included."""
    fields = [f.attname for f in AccountStatement._meta.concrete_fields]
    return sorted(AccountStatement.objects.values_list(*fields))


def _schema() -> dict:
    """What the migrations made of the table: columns, indexes, constraints."""
    queries = {
        "columns": "SELECT column_name, data_type, is_nullable, column_default, is_identity"
        " FROM information_schema.columns WHERE table_name = %s ORDER BY column_name",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
        " ORDER BY indexname",
        "constraints": "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass ORDER BY conname",
    }
    with connection.cursor() as cursor:
        schema = {}
        for name, sql in queries.items():
            cursor.execute(sql, [TABLE])
            schema[name] = cursor.fetchall()
        return schema


def _fill_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [fill.FILL])
        return cursor.fetchone()[0]


def _refresh_stores(whole: list) -> None:
    """A full recomputation stores exactly `whole` and leaves no new table behind."""
    result = services.statements_refresh_all(rebuild_drivers=False)
    assert _rows() == whole
    assert result.rows == len(whole)
    assert not _fill_exists()


def _computed_in_one_transaction(alice, bob, settings) -> tuple[list, list]:
    accounts = _dataset(alice, bob)
    settings.KAM_PROFITABILITY_PARTS = 1
    services.statements_refresh_all(rebuild_drivers=False)
    whole = _rows()
    assert whole
    AccountStatement.objects.all().delete()
    settings.KAM_PROFITABILITY_PARTS = 2
    return accounts, whole


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_an_empty_table_is_filled_in_parts_and_keeps_its_names(
    postgresql, alice, bob, settings, monkeypatch
):
    # Given the statements computed in one transaction, then all deleted
    accounts, whole = _computed_in_one_transaction(alice, bob, settings)
    schema = _schema()
    parts = []
    real = fill._Part.__call__
    monkeypatch.setattr(fill._Part, "__call__", lambda self: parts.append(self) or real(self))

    # When all accounts are recomputed with two parts
    result = services.statements_refresh_all(rebuild_drivers=False)

    # Then two parts filled the new table, and the table holds the same statements to the cent
    assert len(parts) == 2
    assert _rows() == whole
    assert (result.rows, result.written, result.deleted) == (len(whole), len(whole), 0)
    # under the names and definitions the migrations gave it, the new table's name gone
    assert _schema() == schema
    assert not _fill_exists()
    # and the key by account and month works as before
    AccountStatement.objects.create(account=accounts[1], month=MARCH.replace(year=2024))
    with pytest.raises(Exception, match=f"{TABLE}_pkey"):
        AccountStatement.objects.create(account=accounts[1], month=MARCH.replace(year=2024))


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_a_new_table_left_by_a_killed_fill_is_dropped_by_the_next(postgresql, alice, bob, settings):
    _accounts, whole = _computed_in_one_transaction(alice, bob, settings)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {fill.FILL} (half_written INTEGER)")

    _refresh_stores(whole)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_a_failing_part_leaves_the_empty_table_as_it_was(
    postgresql, alice, bob, settings, monkeypatch
):
    _computed_in_one_transaction(alice, bob, settings)
    schema = _schema()

    def failing(self):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(fill._Part, "__call__", failing)

    with pytest.raises(RuntimeError, match="went away"):
        services.statements_refresh_all(rebuild_drivers=False)

    assert not AccountStatement.objects.exists()
    assert _schema() == schema
    assert not _fill_exists()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_statements_stored_during_the_fill_are_compared_not_replaced(
    postgresql, alice, bob, settings, monkeypatch
):
    # Given a fill during which a statement is stored (committed by another connection)
    accounts, whole = _computed_in_one_transaction(alice, bob, settings)
    real = fill._indexes

    def meanwhile():
        def store_one():
            try:
                AccountStatement.objects.create(account=accounts[0], month=MARCH, db4_cents=1)
            finally:
                connection.close()

        thread = threading.Thread(target=store_one)
        thread.start()
        thread.join(30)
        return real()

    monkeypatch.setattr(fill, "_indexes", meanwhile)

    # When the fill is done, then the table is not swapped but brought up to date in parts: the
    # stored one corrected
    _refresh_stores(whole)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(TODAY, tick=False)
def test_a_refused_swap_falls_back_to_the_parts_comparison(
    postgresql, alice, bob, settings, monkeypatch
):
    # Given a database that refuses to put the new table in place (here: after the lock, the
    # way a role without the right to drop the table would fail)
    _accounts, whole = _computed_in_one_transaction(alice, bob, settings)
    schema = _schema()
    real = fill._swap

    def refused(cursor, **kwargs):
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cursor.execute("DROP TABLE kam_no_such_table")
        return real(cursor, **kwargs)

    monkeypatch.setattr(fill, "_swap", refused)

    # When all accounts are recomputed, then the statements are computed into the table itself,
    # which keeps its schema
    _refresh_stores(whole)
    assert _schema() == schema
