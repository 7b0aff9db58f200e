"""SQLite: a writer's committed pages copied back into the database file by a thread."""

from __future__ import annotations

import shutil
import sqlite3

from kam.core.checkpoints import DEFAULT_PAGES, BackgroundCheckpoints


def _pages_before_checkpoint(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


def _rows_in_the_file_alone(path, tmp_path) -> int:
    """The rows of ``t`` in the database file without its write-ahead log."""
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(path, copy)
    with sqlite3.connect(copy) as opened:
        return opened.execute("SELECT COUNT(*) FROM t").fetchone()[0]


def test_the_pages_a_writer_commits_reach_the_database_file_through_the_thread(tmp_path):
    path = tmp_path / "kam.sqlite3"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x)")
    writer.commit()
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    checkpoints = BackgroundCheckpoints(path, writer)
    assert _pages_before_checkpoint(writer) == 0  # the writer's commits do not copy them back
    writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(20_000)])
    writer.commit()
    checkpoints.committed()
    checkpoints.stop()

    assert _rows_in_the_file_alone(path, tmp_path) == 20_000
    assert _pages_before_checkpoint(writer) == DEFAULT_PAGES
    writer.close()


def test_stopping_without_a_commit_leaves_the_writer_as_it_was(tmp_path):
    path = tmp_path / "kam.sqlite3"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")

    BackgroundCheckpoints(path, writer).stop()

    assert _pages_before_checkpoint(writer) == DEFAULT_PAGES
    writer.close()
