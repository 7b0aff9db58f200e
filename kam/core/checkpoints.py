"""SQLite: a long write's committed pages copied back into the database file beside it.

In WAL mode (kam's SQLite settings) a transaction's pages go to the write-ahead log. Once it
holds 1,000 pages, the commit that passes them copies them back into the database file and
waits for the disk (two fdatasync calls), in the committing thread. An import commits each chunk
of 100,000-200,000 lines, and every such commit did that: 0.33 of the 1.9 s of a realistic
165,000-line export into a database of 1,000,000 lines, waiting for the disk, not computing.

``BackgroundCheckpoints`` does it in a thread of its own, on a connection of its own, after each
commit it is told of: a passive checkpoint, which copies what it can and never waits for the
writer nor makes it wait. The writer's own checkpoints are off meanwhile and back on at the end.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

#: SQLite's default of ``wal_autocheckpoint``: pages in the log that make a commit copy them back.
DEFAULT_PAGES = 1000


class BackgroundCheckpoints:
    """Checkpoints of the SQLite database file ``path`` after each ``committed``, in a thread;
    ``writer``: the writing connection (DB-API), whose own checkpoints are off until ``stop``.

    Start it after any fork: a process forked with this thread running would inherit its locks
    held (kam.sales.importer._may_fork).
    """

    def __init__(self, path: Path, writer) -> None:
        self._path = path
        self._writer = writer
        self._wake = threading.Event()
        self._pending = False  # pages committed since the last checkpoint began
        self._stopping = False
        self._set_writer_pages(0)
        self._thread = threading.Thread(target=self._run, name="kam-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """The writer has committed pages: they are copied back as soon as the thread can."""
        self._pending = True
        self._wake.set()

    def stop(self) -> None:
        """Waits until the pages committed before are copied back; the writer checkpoints by
        itself again."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._set_writer_pages(DEFAULT_PAGES)

    def _set_writer_pages(self, pages: int) -> None:
        cursor = self._writer.cursor()
        try:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        finally:
            cursor.close()

    def _run(self) -> None:
        with contextlib.closing(sqlite3.connect(self._path, timeout=30)) as own:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._pending:
                    self._pending = False
                    # What goes wrong here (a disk error) leaves the pages in the log, which the
                    # writer's next checkpoints copy back; the import does not depend on it.
                    with contextlib.suppress(sqlite3.Error):
                        own.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if self._stopping:
                    return
