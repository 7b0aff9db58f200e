"""Data migrations write through the connection being migrated, never the default one.

`kam move-to-postgres` migrates the target database while the default is still SQLite: a data
migration that reads `Model.objects` (the default alias) or `django.db.connection` there copies
or seeds the wrong database (it happened with the counter migrations in session 6).
"""

import re
from pathlib import Path

KAM = Path(__file__).resolve().parents[2]
MANAGER = re.compile(r"\.(objects|_default_manager)\b(?!\s*\.\s*using\()")
DEFAULT_CONNECTION = re.compile(r"from django\.db import [^\n]*\bconnections?\b")


def data_migrations() -> list[Path]:
    return [
        path
        for path in sorted(KAM.glob("*/migrations/0*.py"))
        if "RunPython" in path.read_text(encoding="utf-8")
    ]


def misuses(source: str) -> list[str]:
    found = [f"line {source.count(chr(10), 0, m.start()) + 1}" for m in MANAGER.finditer(source)]
    if DEFAULT_CONNECTION.search(source):
        found.append("imports django.db.connection")
    return found


def test_every_data_migration_uses_the_alias_it_migrates():
    assert data_migrations(), "no data migration found: the glob is wrong"
    bad = {
        path.relative_to(KAM).as_posix(): found
        for path in data_migrations()
        if (found := misuses(path.read_text(encoding="utf-8")))
    }
    assert not bad, f"use Model.objects.using(schema_editor.connection.alias): {bad}"


def test_the_check_finds_the_default_manager_and_connection():
    assert misuses("Counter.objects.get_or_create(kind=k)") == ["line 1"]
    assert misuses("x = 1\nCounter.objects\n.all()") == ["line 2"]
    assert misuses("from django.db import connection, migrations") == [
        "imports django.db.connection"
    ]
    assert misuses("Counter.objects.using(schema_editor.connection.alias).all()") == []
    assert misuses("apps.get_model('a', 'B').objects.using(\n    alias\n)") == []
