"""What keeps the search fast on PostgreSQL: no JIT compilation, an unordered scope, fresh and
fine statistics of the terms (the plans themselves are measured by bench/bench_search.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.accounts.models import Stakeholder
from kam.search.index import _statement, index_rebuild, visible_account_ids
from kam.settings.base import _postgres_options
from kam.testing.factories import AccountFactory

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")


def test_postgresql_connections_compile_no_jit_unless_asked(monkeypatch):
    config = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": True}}

    assert _postgres_options(dict(config))["OPTIONS"] == {"pool": True, "options": "-c jit=off"}
    monkeypatch.setenv("KAM_DB_JIT", "on")
    assert "options" not in _postgres_options({"ENGINE": "django.db.backends.postgresql"}).get(
        "OPTIONS", {}
    )
    assert "OPTIONS" not in _postgres_options({"ENGINE": "django.db.backends.sqlite3"})


@pytest.mark.django_db
def test_the_scope_of_a_search_is_not_sorted(alice):
    sql, _params = visible_account_ids(alice)

    assert "ORDER BY" not in sql.upper()


@on_postgres
@pytest.mark.django_db
def test_a_rebuild_refreshes_the_statistics():
    with CaptureQueriesContext(connection) as queries:
        index_rebuild()

    assert any(q["sql"].startswith("ANALYZE search_searchterm") for q in queries.captured_queries)


@on_postgres
@pytest.mark.django_db
def test_the_terms_keep_a_thousand_common_values():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'search_searchterm'::regclass"
            " AND attname = 'term'"
        )
        assert cursor.fetchone()[0] == 1000
    if connection.settings_dict.get("OPTIONS", {}).get("options"):
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"


def _index_scans(plan: dict) -> list[dict]:
    found = [plan] if plan.get("Index Name") == "search_term_by_weight" else []
    for child in plan.get("Plans", []):
        found += _index_scans(child)
    return found


@on_postgres
@pytest.mark.django_db
def test_a_managers_search_stops_reading_the_prefix_once_it_has_enough(alice, carol):
    """A key account manager's match checks each index row against the scope as it walks the
    index in order; joining the scope instead read (and sorted) every name with the prefix."""
    accounts = [AccountFactory(owner=alice if i % 2 else carol) for i in range(40)]
    Stakeholder.objects.bulk_create(
        Stakeholder(account=account, first_name=f"Eva{i}", last_name="Schmidt")
        for account in accounts
        for i in range(10)
    )
    index_rebuild(["stakeholder"])
    statement, params = _statement(["stakeholder"], "schmidt", visible_account_ids(alice), 8)

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
        plan = cursor.fetchone()[0][0]["Plan"]

    first_words = [
        scan for scan in _index_scans(plan) if "weight = 1" in scan.get("Index Cond", "")
    ]
    assert first_words
    read = sum(s["Actual Rows"] + s.get("Rows Removed by Filter", 0) for s in first_words)
    assert 16 <= read < 200  # 400 stakeholders are called Schmidt, 200 of them alice's


@on_postgres
@pytest.mark.django_db
def test_the_scope_reads_a_managers_accounts_from_the_index_alone(alice):
    AccountFactory.create_batch(3, owner=alice)
    sql, params = visible_account_ids(alice)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using account_by_owner" in plan
