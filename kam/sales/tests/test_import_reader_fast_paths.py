"""The reader's fast paths give what the exact, row-by-row ways give (issue #17).

- ``BlockConverter.convert_staged`` (columns, cached texts of dates and quantities) against
  ``BlockConverter.convert`` (one ``SalesRow`` per row), on random blocks of clean and bad values.
- ``convert_staged`` of a block split by column (csv_source.UnquotedBlock) against the same
  block as records: a line of another width is split on its own, the others stay columns.
- ``RowSorter.sort_into`` (only the rows of repeated keys one by one) against a plain reference.
- ``ChunkSpool.append`` (several rows a statement) stores every row as given.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.sales import pipeline
from kam.sales.reading import STAGED_FIELDS, RejectedRow, SalesRow, StagedBlock
from kam.sales.reading.block import BlockConverter
from kam.sales.reading.csv_source import UnquotedBlock
from kam.sales.spool import ChunkSpool
from kam.sales.staging_columns import NARROW_ROW_NAMES, ROW_NAMES

HEADINGS = ["Kunde", "Rechnung", "Pos", "Datum", "Menge", "Umsatz", "DB", "Kosten", "Fracht"]
MAPPING = {
    "customer_number": "Kunde",
    "invoice_number": "Rechnung",
    "line_number": "Pos",
    "invoice_date": "Datum",
    "quantity": "Menge",
    "net_revenue": "Umsatz",
    "contribution_margin": "DB",
    "cost": "Kosten",
    "freight": "Fracht",
}


def _pick(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


numbers = st.one_of(
    _pick("1.234,56", "12,5", "-7", "0,05", "7-", "", " 3 ", "1,2,3", "abc", "1.00", "007,50"),
    st.integers(-(10**7), 10**7).map(lambda n: f"{n / 100:.2f}".replace(".", ",")),
)
quantities = _pick("1", "1,5", "1,50", "1,500", "", "-2", "x", "1.000", "0,0", "2,")
dates = _pick("31.12.2024", "1.2.2024", "01.02.24", "2024-03-05", "", "31.02.2024", "12/3/2024")
record = st.tuples(
    _pick("100", "101", " 102 ", "", "1\x00"),
    _pick("RE1", "RE2", "RE3", ""),
    _pick("1", "2", "3", "", "x", "0"),
    dates,
    quantities,
    numbers,
    numbers,
    numbers,
    numbers,
).map(list)
blocks = st.lists(st.one_of(record, st.just([""]), st.just(["1", "2"])), max_size=40)


def _as_staged(row: SalesRow) -> tuple:
    values = {
        "invoice_number": row.invoice_number,
        "line_number": row.line_number,
        "customer_number": row.customer_number,
        "invoice_date": row.invoice_date.isoformat(),
        "product_number": row.product_number,
        "product_name": row.product_name,
        "quantity": None if row.quantity is None else str(row.quantity),
        "net_revenue": row.net_revenue_cents,
        "contribution_margin": row.margin_cents,
        "cost": row.cost_cents,
        "currency": row.currency,
        "sales_rep": row.sales_rep,
        "freight": row.freight_cents,
        "packaging": row.packaging_cents,
        "handling": row.handling_cents,
    }
    return tuple(values[field] for field in STAGED_FIELDS)


def _converter() -> BlockConverter:
    return BlockConverter(
        headings=HEADINGS, mapping=MAPPING, number_style="de", year_pivot=50, latest_date=None
    )


@settings(max_examples=300, deadline=None)
@given(block_list=st.lists(blocks, min_size=1, max_size=3))
def test_staged_blocks_match_the_rows_converted_one_by_one(block_list):
    # Given two converters of the same file (caches and invoice counts carried across blocks)
    staged_side, row_side = _converter(), _converter()
    line = 2
    for records in block_list:
        lines = list(range(line, line + len(records)))
        line += len(records)
        # When one stages each block and the other converts it row by row
        staged = staged_side.convert_staged(lines, [list(r) for r in records])
        rows = row_side.convert(lines, [list(r) for r in records])
        # Then both keep and reject the same rows with the same values and reasons
        valid = [row for row in rows if isinstance(row, SalesRow)]
        rejected = [row for row in rows if isinstance(row, RejectedRow)]
        assert staged.lines == [row.line for row in valid]
        assert staged.staged == [_as_staged(row) for row in valid]
        assert staged.names == [row.customer_name for row in valid]
        assert staged.rejected == rejected


unquoted_record = record.map(lambda values: [value.replace("\x00", "") for value in values])
extra_empty_fields = unquoted_record.map(lambda values: [*values, "", " "])
unquoted_blocks = st.lists(
    st.one_of(unquoted_record, extra_empty_fields, st.just([""]), st.just(["1", "2"])),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(records=unquoted_blocks, quoted=st.booleans())
def test_a_block_with_lines_of_another_width_keeps_its_columns(records, quoted):
    # Given a block read from a file: lines split by column, a bad or blank line among them
    lines = [";".join(values) + "\r\n" for values in records]
    # (a quoted field in the first line: the block then cuts its fields at NULs)
    quoted_records = {0: records[0]} if quoted and records else None
    block = UnquotedBlock(lines, ";", quoted_records)
    expected = _converter().convert_staged(list(range(2, len(lines) + 2)), [*map(list, records)])

    # When it is staged without being split line by line
    def split_line_by_line(self):
        raise AssertionError("the whole block split line by line")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(UnquotedBlock, "records", split_line_by_line)
        staged = _converter().convert_staged(list(range(2, len(lines) + 2)), block)

    # Then it keeps, cuts and rejects the same rows as the records would
    assert staged == expected


def _reference(blocks_of_keys: list[list[tuple]]) -> tuple[list, int, list]:
    """Rows kept, duplicates and conflicts (line, key) within one chunk, row by row."""
    seen: dict[tuple, tuple] = {}
    kept, duplicates, conflicts = [], 0, []
    for line, values in enumerate((v for block in blocks_of_keys for v in block), start=1):
        key = values[:2]
        if key not in seen:
            seen[key] = values
            kept.append((line, values))
        elif seen[key] == values:
            duplicates += 1
        else:
            conflicts.append(line)
    return kept, duplicates, conflicts


row_values = st.tuples(
    _pick("RE1", "RE2", "RE3", "RE4"), st.integers(1, 3), _pick("100"), st.integers(0, 2)
)


@settings(max_examples=300, deadline=None)
@given(blocks_of_keys=st.lists(st.lists(row_values, max_size=12), max_size=4))
def test_sorting_keeps_the_first_row_of_each_key_in_file_order(blocks_of_keys):
    # Given a sorter that keeps the keys of its only chunk
    sorter = pipeline.RowSorter("f.csv", set())
    chunk = sorter._start(None)
    line = 1
    # When blocks with repeated keys are sorted into the chunk
    for values in blocks_of_keys:
        lines = list(range(line, line + len(values)))
        line += len(values)
        block = StagedBlock(
            lines=lines, staged=list(values), names=[None] * len(values), rejected=[]
        )
        sorter.sort_into(chunk, block)
    # Then it keeps what a row-by-row sort keeps, in file order
    kept, duplicates, conflicts = _reference(blocks_of_keys)
    assert list(zip(chunk.lines, chunk.staged, strict=True)) == kept
    assert chunk.duplicates == duplicates
    assert [row["line"] for row in chunk.rejected] == conflicts
    assert chunk.repeat_candidates == [False] * len(kept)


@settings(max_examples=30, deadline=None)
@given(counts=st.lists(st.integers(0, 130), min_size=1, max_size=3), narrow=st.booleans())
def test_spool_stores_every_row_as_given(tmp_path_factory, counts, narrow):
    # Given rows of either width, in appends of sizes around the rows a statement
    names = NARROW_ROW_NAMES if narrow else ROW_NAMES
    spool = ChunkSpool(tmp_path_factory.mktemp("spool"))
    try:
        spool.begin(1)
        written = []
        for count in counts:
            rows = [
                tuple(
                    f"v{len(written) + i}-{n}" if n % 3 else len(written) + i
                    for n in range(len(names))
                )
                for i in range(count)
            ]
            # When they are appended
            spool.append(1, rows)
            written += rows
        assert spool.finish(1) == len(written)
        # Then the chunk holds them all, in order, with their values
        with sqlite3.connect(spool.path) as opened:
            stored = opened.execute(f"SELECT {', '.join(names)} FROM rows_1 ORDER BY rowid")  # noqa: S608
            assert stored.fetchall() == written
    finally:
        spool.close()


def test_a_staged_quantity_keeps_its_written_decimals():
    # Given quantities written with trailing zeros, first seen in the same block
    converter = _converter()
    records = [
        ["100", "RE1", str(i + 1), "01.02.2024", q, "1,00", "", "", ""]
        for i, q in enumerate(["1,5", "1,50", "1,500"])
    ]
    # When they are staged
    block = converter.convert_staged([2, 3, 4], records)
    # Then each keeps its own decimals, the date is ISO text
    quantity, day = STAGED_FIELDS.index("quantity"), STAGED_FIELDS.index("invoice_date")
    assert [row[quantity] for row in block.staged] == ["1.5", "1.50", "1.500"]
    assert {row[day] for row in block.staged} == {date(2024, 2, 1).isoformat()}


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(0, 130), min_size=1, max_size=3),
    empty_columns=st.sets(st.sampled_from(range(3, 12))),
    marks=st.sampled_from(["none", "some"]),
    through_staged=st.booleans(),
)
def test_spool_stores_empty_columns_and_marks_as_given(
    tmp_path_factory, counts, empty_columns, marks, through_staged
):
    # Given rows with columns empty (None) in every row, one empty in some rows only, and
    # repeat marks that are all False or not
    spool = ChunkSpool(tmp_path_factory.mktemp("spool"))
    mark = ROW_NAMES.index("repeat_candidate")
    try:
        spool.begin(1)
        written: list[tuple] = []
        for count in counts:
            rows = []
            for i in range(count):
                number = len(written) + i
                row = [
                    None
                    if n in empty_columns or (n == 2 and number % 7 == 0)
                    else (f"v{number}-{n}" if n % 3 else number)
                    for n in range(len(ROW_NAMES))
                ]
                row[mark] = marks == "some" and number % 5 == 0
                rows.append(tuple(row))
            # When they are appended, as rows or as staged rows with their lines and marks
            if through_staged:
                staged = [row[: len(ROW_NAMES) - 2] for row in rows]
                lines = [row[-2] for row in rows]
                spool.append_staged(1, staged, lines, [row[-1] for row in rows])
            else:
                spool.append(1, rows)
            written += rows
        assert spool.finish(1) == len(written)
        # Then the chunk holds them all, in order: None as NULL, the marks as 0 and 1
        with sqlite3.connect(spool.path) as opened:
            stored = opened.execute(f"SELECT {', '.join(ROW_NAMES)} FROM rows_1 ORDER BY rowid")  # noqa: S608
            assert stored.fetchall() == [
                (*row[:mark], int(row[mark]), *row[mark + 1 :]) for row in written
            ]
            kinds = opened.execute("SELECT DISTINCT typeof(repeat_candidate) FROM rows_1")
            assert {kind for (kind,) in kinds} <= {"integer"}
    finally:
        spool.close()
