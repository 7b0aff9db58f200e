"""Test helpers: which spools an import used, and whether one left anything behind."""

from django.db import connection

from kam.sales import spool as spools


def record_spools(monkeypatch) -> list:
    """Records every spool the importer creates from now on."""
    created: list = []
    real = spools.for_this_database

    def recorded(folder, **options):
        created.append(real(folder, **options))
        return created[-1]

    monkeypatch.setattr(spools, "for_this_database", recorded)
    return created


def spool_left(spool: spools.Spool) -> bool:
    if isinstance(spool, spools.ChunkSpool):
        return spool.path.exists()
    prefix = spool.table(0).removesuffix("0")
    return any(name.startswith(prefix) for name in connection.introspection.table_names())
