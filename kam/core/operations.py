"""What an operator runs: backup and restore, the move from SQLite to PostgreSQL, the upgrade.

- SQLite: backups through SQLite's online backup API (`sqlite3.Connection.backup`), consistent
  while kam runs; a restore copies the backup into the live database the same way.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists`.
- `move_to_postgres`: migrates an empty PostgreSQL database, then copies every table of the
  SQLite installation in dependency order (COPY, in one transaction) and sets each sequence to
  continue after the highest id.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.utils import load_backend

TARGET = "kam_move_target"
BATCH = 10_000


def _vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def backup_write(path: Path) -> Path:
    """Writes a backup of the database to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor() == "sqlite":
        connection = connections["default"]
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={path}")
    return path


def backup_restore(path: Path) -> None:
    """Replaces the database's contents with those of the backup at `path`."""
    if not path.is_file():
        raise CommandError(f"Keine Sicherung unter {path}.")
    if _vendor() == "sqlite":
        connection = connections["default"]
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        _pg_tool(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)
        )


def backup_default_path() -> Path:
    from django.utils import timezone

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if _vendor() == "sqlite" else "dump"
    return Path(settings.DATA_DIR) / "backups" / f"kam-{stamp}.{suffix}"


def _pg_tool(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise CommandError(f"{tool} fehlt (Debian: apt install postgresql-client).")
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    conn = [f"--host={db.get('HOST') or 'localhost'}", f"--port={db.get('PORT') or 5432}"]
    if db.get("USER"):
        conn.append(f"--username={db['USER']}")
    conn.append(f"--dbname={db['NAME']}")
    result = subprocess.run([tool, *conn, *args], env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"{tool}: {result.stderr.strip()}")


def copied_models() -> list[type[models.Model]]:
    """Every table kam keeps (M2M tables included), each after the tables it refers to."""
    tables = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    ordered: list[type[models.Model]] = []
    placed: set = set()

    def place(model, path=()):
        if model in placed or model in path:
            return
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not model and target in tables:
                place(target, (*path, model))
        placed.add(model)
        ordered.append(model)

    for model in tables:
        place(model)
    return ordered


@contextlib.contextmanager
def _target(url: str) -> Iterator[str]:
    """A connection to the database at `url` under the alias TARGET, for this thread only (a
    dynamic connection: not part of settings.DATABASES)."""
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if "postgresql" not in str(config.get("ENGINE", "")):
        raise CommandError("Das Ziel muss eine PostgreSQL-Datenbank sein (postgres://…).")
    default = dict(connections.settings["default"])
    config = connections.configure_settings({"default": default, TARGET: config})[TARGET]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, TARGET)
    setattr(connections._connections, TARGET, wrapper)  # type: ignore[attr-defined]
    try:
        yield TARGET
    finally:
        wrapper.close()
        delattr(connections._connections, TARGET)  # type: ignore[attr-defined]


def move_to_postgres(url: str) -> dict[str, int]:
    """Copies this SQLite installation into the empty PostgreSQL database at `url`; returns
    the rows copied per table."""
    if _vendor() != "sqlite":
        raise CommandError("kam läuft schon nicht auf SQLite; nichts zu verschieben.")
    with _target(url) as alias:
        if connections[alias].introspection.table_names():
            raise CommandError("Die Zieldatenbank ist nicht leer; kam kopiert nur in eine leere.")
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        copied = {}
        tables = copied_models()
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            # migrate wrote content types and permissions; the copies of the source replace them.
            names = ", ".join(cursor.db.ops.quote_name(m._meta.db_table) for m in tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # noqa: S608
            for model in tables:
                copied[model._meta.db_table] = _copy_table(model, cursor)
            for statement in connections[alias].ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(statement)
    return copied


def _copy_table(model: type[models.Model], target_cursor) -> int:
    quote = connections["default"].ops.quote_name
    columns = [str(field.column) for field in model._meta.concrete_fields]
    column_list = ", ".join(quote(column) for column in columns)
    table = quote(model._meta.db_table)
    count = 0
    with connections["default"].cursor() as source:
        source.execute(f"SELECT {column_list} FROM {table}")  # noqa: S608 (names from models)
        with target_cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            while rows := source.fetchmany(BATCH):
                for row in rows:
                    copy.write_row(row)
                count += len(rows)
    return count


def messages_compile() -> list[str]:
    """Compiles every kam app's catalogue; returns the apps whose catalogue could not be
    compiled (msgfmt missing, a read-only installation: their committed files stay)."""
    failed = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if not config.name.startswith("kam.") or not (folder / "locale").is_dir():
            continue
        previous = Path.cwd()
        try:
            os.chdir(folder)
            call_command("compilemessages", verbosity=0)
        except (CommandError, OSError):
            failed.append(config.label)
        finally:
            os.chdir(previous)
    return failed
