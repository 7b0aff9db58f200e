import pytest
from django.db import connection


@pytest.fixture
def postgresql():
    """Skips a test of PostgreSQL's recomputation in parts: SQLite writes one transaction at a
    time (its full recomputation is pipelined instead, test_pipelined)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: parts on connections of their own")
