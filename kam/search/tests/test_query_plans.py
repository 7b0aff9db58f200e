"""What keeps the search fast on PostgreSQL: no JIT compilation, an unordered scope, fresh and
fine statistics of the terms (the plans themselves are measured by bench/bench_search.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.search.index import index_rebuild, visible_account_ids
from kam.settings.base import _postgres_options

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
    sql, _params = visible_account_ids(alice).query.sql_with_params()

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
