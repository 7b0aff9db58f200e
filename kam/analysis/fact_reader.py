"""The later months of a large facts read, read by a helper process (SQLite files only).

Reading millions of facts is Python's work in the driver (an object per value): one core, one
lock, so a second thread does not help, and the run's other core idles while it reads. A helper
process has a lock of its own: it opens the database file itself, reads the months it is given
with the same query and writes the rows (`numpy.save`, one array a month) to a file that the run
reads when it has read its own months. `python -m kam.analysis.fact_reader` is the helper; it
imports numpy and sqlite3, not Django.

Nothing here is consistent across months beyond what the run's own read is: it reads month by
month in autocommit, each month a query of its own, and so does the helper.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def month_rows(cursor, sql: str, month: str, dtype: np.dtype) -> np.ndarray:
    """The rows of `sql` for one month as a structured array, straight from a DB-API cursor."""
    cursor.execute(sql, [month])
    return np.fromiter(cursor, dtype=dtype)


class HelperRead:
    """Months of facts read by a helper process while the caller reads others."""

    def __init__(self, database: str, sql: str, months: list[str], dtype: np.dtype) -> None:
        """Start the helper on `months` (ISO dates) of the SQLite file `database`; `sql` has one
        `?` for the month."""
        self._months, self._dtype = months, dtype
        handle, self._path = tempfile.mkstemp(prefix="kam-facts-", suffix=".npy")
        os.close(handle)
        order = {
            "database": database,
            "sql": sql,
            "months": months,
            "dtype": dtype.descr,
            "out": self._path,
        }
        # The helper imports this very module: the directory holding our package comes first.
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        self._process = subprocess.Popen(  # noqa: S603 (our own module, our own interpreter)
            [sys.executable, "-m", __name__, json.dumps(order)],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )

    def result(self) -> list[np.ndarray]:
        """Each month's rows in the order given; raises HelperReadError if the helper failed."""
        try:
            _out, error = self._process.communicate()
            if self._process.returncode != 0:
                raise HelperReadError(error.decode(errors="replace")[-2000:])
            with open(self._path, "rb") as file:
                rows = [np.load(file) for _month in self._months]
        finally:
            os.unlink(self._path)
        if any(month.dtype != self._dtype for month in rows):
            raise HelperReadError("the helper read the facts in another layout")
        return rows


class HelperReadError(RuntimeError):
    """The helper process could not read its months (the caller reads them itself)."""


def _main(order: dict) -> None:
    dtype = np.dtype([tuple(field) for field in order["dtype"]])
    connection = sqlite3.connect(order["database"], timeout=30)  # it only reads
    try:
        cursor = connection.cursor()
        with open(order["out"], "wb") as file:
            for month in order["months"]:
                np.save(file, month_rows(cursor, order["sql"], month, dtype))
    finally:
        connection.close()


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
