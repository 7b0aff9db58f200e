"""A file the reader thread stages chunks in, so that the importing thread needs no time for it.

Storing 100,000 rows one by one takes a quarter of a second, most of it in Python; in the reader
thread that work runs beside the database's, on the other core. Used with SQLite, whose
importing connection attaches the file and copies a chunk in one statement. The file lives in a
temporary folder (beside the database) and holds the chunks not yet taken over; it is deleted
when the import ends.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

PREFIX = "kam-import-"
#: A spool folder this old belongs to an import that was killed (an import removes its own).
STALE_AFTER_SECONDS = 24 * 3600


class ChunkSpool:
    """Chunk tables ``rows_N`` in a SQLite file of their own."""

    def __init__(self, folder: Path | None = None) -> None:
        _remove_stale(Path(folder or tempfile.gettempdir()))
        self._folder = tempfile.TemporaryDirectory(prefix=PREFIX, dir=folder)
        self.path = Path(self._folder.name) / "chunks.sqlite3"
        self._connection: sqlite3.Connection | None = None
        self._taken = 0  # chunks below this number are no longer needed
        self._lock = threading.Lock()
        self._written: list[int] = []

    def write(
        self,
        number: int,
        rows: Sequence[tuple],
        columns: Sequence[str],
    ) -> None:
        """Reader thread: stores chunk ``number`` and drops the chunks already taken over."""
        connection = self._connect()
        with self._lock:
            taken = self._taken
        for old in [n for n in self._written if n < taken]:
            connection.execute(f"DROP TABLE rows_{old}")
            self._written.remove(old)
        connection.execute(f"CREATE TABLE rows_{number} ({', '.join(columns)})")
        marks = ", ".join("?" * len(columns))
        connection.executemany(f"INSERT INTO rows_{number} VALUES ({marks})", rows)  # noqa: S608
        connection.commit()
        self._written.append(number)

    def taken(self, number: int) -> None:
        """Importing thread: chunk ``number`` has been copied out; earlier ones may go."""
        with self._lock:
            self._taken = number

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=OFF")
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._folder.cleanup()


def _remove_stale(folder: Path) -> None:
    """Removes the spool folders that killed imports left behind."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for stale in folder.glob(f"{PREFIX}*"):
        try:
            if stale.is_dir() and stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue
