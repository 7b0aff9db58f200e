"""A block's columns split at once (csv_source.UnquotedBlock) are those of its records split
line by line, quoted fields with the delimiter inside included; any other shape falls back."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from kam.sales.reading.csv_source import UnquotedBlock, _split_quoted

FIELDS = st.text(alphabet='ab ;"x\u00e4', max_size=6)


def _lines(records: list[list[str]]) -> list[str]:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(records)
    return out.getvalue().splitlines(keepends=True)


@given(st.lists(st.lists(FIELDS, min_size=3, max_size=3), min_size=1, max_size=20))
def test_columns_of_a_block_of_equal_records_are_its_records_columns(records):
    lines = _lines(records)
    block = _split_quoted(lines, ";", columnar=True)
    expected = _split_quoted(lines, ";")

    if block is None:  # a record the csv module would read across lines
        assert expected is None
        return
    assert block.records() == expected
    columns = block.columns(3)
    if columns is not None:
        assert columns == list(zip(*expected, strict=True))
    else:
        assert any(len(record) != 3 for record in expected)


def test_a_block_with_another_width_or_an_empty_line_gives_no_columns():
    lines = ["1;2;3\n", "4;5\n", "\n", "6;7;8"]
    block = UnquotedBlock(lines, ";")

    assert block.columns(3) is None
    assert block.records() == [["1", "2", "3"], ["4", "5"], [], ["6", "7", "8"]]
    assert block[3] == ["6", "7", "8"]


def test_quoted_delimiters_stay_in_their_field():
    lines = ['1;"a;b";3\r\n', "4;5;6\r\n"]

    block = _split_quoted(lines, ";", columnar=True)

    assert block.columns(3) == [("1", "4"), ("a;b", "5"), ("3", "6")]
    assert block[0] == ["1", "a;b", "3"]
