"""SQLite: the lines' index by account and unique key, deferred in a first import (issue #17).

A first import of a large file stores its lines without them and builds them afterwards, each
by one sort (kam.sales.staging.defer_indexes, as on PostgreSQL). Kept current line by line,
the index by account takes each line at a random place in an export by invoice number, and the
unique key does in an export by customer: 1,000,000 lines in chunks of 200,000 took 5.0 (by
invoice) and 3.8 CPU s (by customer) to insert with both, 0.9 and 0.8 s without, and 1.9 and
1.7 s to build both after them.

SQLite cannot drop a table's inline UNIQUE constraint; the table has no lines yet when the
import defers it, so it is made again without it, and the key comes back as a unique index of
the constraint's name (the same columns, the same refusal of a repeated key; a migration that
remakes the table later makes the inline constraint again).
"""

from __future__ import annotations

from django.db import connection

from kam.sales.models import SalesLine

#: The keys of a chunk's rows that may repeat an earlier chunk's, with the matching line's id.
CANDIDATE_KEYS = "kam_sales_candidate_keys"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table() -> str:
    return SalesLine._meta.db_table


def _columns(fields) -> list[str]:
    return [str(getattr(SalesLine._meta.get_field(name), "column", name)) for name in fields]


def index_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    return cursor.fetchone() is not None


def unique_key_exists(cursor, fields) -> bool:
    """Whether a unique index (inline constraint or made apart) covers exactly ``fields``."""
    wanted = _columns(fields)
    cursor.execute('SELECT name FROM pragma_index_list(%s) WHERE "unique" = 1', [_table()])
    for (name,) in cursor.fetchall():
        cursor.execute("SELECT name FROM pragma_index_info(%s) ORDER BY seqno", [name])
        if [column for (column,) in cursor.fetchall()] == wanted:
            return True
    return False


def drop_inline_key(cursor, name: str, fields) -> bool:
    """Makes the empty lines table again without its inline unique constraint ``name``;
    True if it did (False: the table's SQL does not have it in Django's form)."""
    table = _table()
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
    (sql,) = cursor.fetchone()
    clause = (
        f", CONSTRAINT {_quote(name)} UNIQUE ("
        + ", ".join(_quote(column) for column in _columns(fields))
        + ")"
    )
    if sql.count(clause) != 1:
        return False
    cursor.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = %s AND type IN "
        "('index', 'trigger') AND sql IS NOT NULL",
        [table],
    )
    others = [other for (other,) in cursor.fetchall()]
    # The AUTOINCREMENT counter goes with the table: ids stay above any line ever stored.
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    sequence = cursor.fetchone()
    cursor.execute(f"DROP TABLE {_quote(table)}")
    cursor.execute(sql.replace(clause, ""))
    for other in others:
        cursor.execute(other)
    if sequence is not None:
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, sequence[0]]
        )
    return True


def create_index(cursor, name: str, fields, *, unique: bool = False) -> None:
    columns = ", ".join(_quote(column) for column in _columns(fields))
    kind = "UNIQUE INDEX" if unique else "INDEX"
    cursor.execute(f"CREATE {kind} IF NOT EXISTS {_quote(name)} ON {_quote(_table())} ({columns})")


def match_candidates(cursor, table: str, lines: str, last_id: int) -> None:
    """Marks the rows of ``table`` that may repeat an earlier chunk (``repeat_candidate``) with
    the id of the line stored before (up to ``last_id``) that has their key, without the
    unique key's index: one scan of the lines, each looked up among the candidates' keys."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {CANDIDATE_KEYS} (invoice_number, line_number, "
        "line_id, PRIMARY KEY (invoice_number, line_number))"
    )
    cursor.execute(f"DELETE FROM {CANDIDATE_KEYS}")  # noqa: S608
    cursor.execute(
        f"INSERT OR IGNORE INTO {CANDIDATE_KEYS} (invoice_number, line_number) "  # noqa: S608
        f"SELECT invoice_number, line_number FROM {table} WHERE repeat_candidate"
    )
    cursor.execute(
        f"UPDATE {CANDIDATE_KEYS} SET line_id = l.id FROM {lines} AS l "  # noqa: S608
        f"WHERE l.invoice_number = {CANDIDATE_KEYS}.invoice_number "
        f"AND l.line_number = {CANDIDATE_KEYS}.line_number AND l.id <= %s",
        [last_id],
    )
    cursor.execute(
        f"UPDATE {table} SET line_id = (SELECT k.line_id FROM {CANDIDATE_KEYS} k "  # noqa: S608
        f"WHERE k.invoice_number = {table}.invoice_number "
        f"AND k.line_number = {table}.line_number) WHERE repeat_candidate"
    )
