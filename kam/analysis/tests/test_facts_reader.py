"""The facts reader's helpers (no database needed)."""

import numpy as np

from kam.analysis.facts import _rows_of


def test_rows_of_gives_the_distinct_ids_in_order_and_each_later_ids_row():
    # Given the ids of older accounts (first two) and of the window's facts, in any order
    ids = np.array([9, 4, 7, 4, 12, 7, 9], dtype=np.int64)

    # When the rows are looked up past the older ones
    distinct, rows = _rows_of(ids, 2)

    # Then the ids are those of np.unique and each fact points at its account's row
    assert distinct.tolist() == [4, 7, 9, 12]
    assert rows.tolist() == [1, 0, 3, 1, 2]
    assert distinct[rows].tolist() == ids[2:].tolist()


def test_rows_of_no_ids():
    distinct, rows = _rows_of(np.array([], dtype=np.int64), 0)

    assert len(distinct) == 0 and len(rows) == 0
