"""Opening an ERP sales export and reading it in chunks of validated rows."""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Protocol

from .block import BlockConverter, Output
from .csv_source import CsvSource
from .dates import latest_plausible_date, two_digit_year_pivot
from .encoding import detect_encoding
from .mapping import resolve_mapping, unique_headings
from .model import FileRefused, StagedBlock
from .numbers import NumberStyle, detect_number_style
from .xlsx_source import AMOUNT, DATE, MB, OLE_MAGIC, TEXT, XlsxSource, check_xlsx

DEFAULT_MAX_XLSX_BYTES = 50 * MB
DEFAULT_MAX_XLSX_UNCOMPRESSED_BYTES = 500 * MB
DEFAULT_MAX_XLSX_RATIO = 100
DEFAULT_CHUNK_SIZE = 50_000
# Records converted together column by column: large enough to make the per-block work cheap,
# small enough that one odd value only sends a few rows down the slow exact path.
_BLOCK_SIZE = 1024
_STYLE_SAMPLE_RECORDS = 2000
_AMOUNT_FIELDS = ("net_revenue", "contribution_margin", "cost", "quantity")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"


class _Source(Protocol):
    kind: str
    encoding: str | None
    delimiter: str | None
    sheet_name: str | None
    header_line: int
    raw_headings: list[str]

    def blocks(
        self, size: int, *, kinds: list[str], style: NumberStyle
    ) -> Iterator[tuple[list[int], list[list[str]]]]: ...

    def written_values(self, columns: list[int], records: int) -> Iterator[str]: ...


class SalesFile:
    """An opened export: how it is written, which column means what, and its rows."""

    def __init__(
        self,
        source: _Source,
        *,
        mapping_overrides: dict[str, str] | None,
        year_pivot: int,
        sample_records: int = _STYLE_SAMPLE_RECORDS,
        latest_date: datetime.date | None = None,
    ) -> None:
        #: Invoice dates after this are refused as implausible (``date_implausible``).
        self.latest_date = latest_date or latest_plausible_date()
        self._source = source
        self._sample_records = sample_records
        self.path: Path = source.path  # type: ignore[attr-defined]
        self.kind: str = source.kind
        self.encoding: str | None = source.encoding
        self.delimiter: str | None = source.delimiter
        self.sheet_name: str | None = source.sheet_name
        self.header_line: int = source.header_line
        self.headings: list[str] = unique_headings(source.raw_headings)
        self.mapping: dict[str, str] = resolve_mapping(self.headings, mapping_overrides)
        self.year_pivot = year_pivot
        self._kinds = self._column_kinds()
        self.number_style: NumberStyle = "de"
        self.number_style = detect_number_style(self._amount_sample())

    def _column_kinds(self) -> list[str]:
        kinds = [TEXT] * len(self.headings)
        for field, heading in self.mapping.items():
            if field in _AMOUNT_FIELDS:
                kinds[self.headings.index(heading)] = AMOUNT
            elif field == "invoice_date":
                kinds[self.headings.index(heading)] = DATE
        return kinds

    def _amount_sample(self) -> Iterator[str]:
        """Amounts as written in the first records (typed XLSX cells are not written text)."""
        columns = [
            self.headings.index(heading)
            for field, heading in self.mapping.items()
            if field in _AMOUNT_FIELDS
        ]
        return self._source.written_values(columns, self._sample_records)

    def _records(self, kinds: list[str], style: NumberStyle) -> Iterator[list[str]]:
        for _, block in self._source.blocks(_BLOCK_SIZE, kinds=kinds, style=style):
            yield from block

    def preview(self, n: int = 20) -> list[list[str]]:
        """The first ``n`` records after the header as the file writes them, for a UI preview
        (read in one block of ``n``: nothing after them)."""
        blocks = self._source.blocks(max(n, 1), kinds=self._kinds, style=self.number_style)
        return list(islice(next(blocks, ([], []))[1], n))

    def iter_chunks(self, size: int = DEFAULT_CHUNK_SIZE) -> Iterator[list[Output]]:
        """Rows in file order, ``size`` at a time (the last chunk may be shorter).

        A structurally broken CSV (an opening quote that never closes in a huge file) can only
        be noticed on the way and raises ``FileRefused`` from here.
        """
        converter = BlockConverter(
            headings=self.headings,
            mapping=self.mapping,
            number_style=self.number_style,
            year_pivot=self.year_pivot,
            latest_date=self.latest_date,
        )
        blocks = self._source.blocks(_BLOCK_SIZE, kinds=self._kinds, style=self.number_style)
        chunk: list[Output] = []
        while True:
            # The cyclic garbage collector would otherwise walk the growing chunk again and
            # again; nothing built here forms cycles.
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                done = _fill(chunk, size, blocks, converter)
            finally:
                if was_enabled:
                    gc.enable()
            while len(chunk) >= size:
                yield chunk[:size]
                chunk = chunk[size:]
            if done:
                if chunk:
                    yield chunk
                return

    def iter_staged(self, block_size: int = _BLOCK_SIZE) -> Iterator[StagedBlock]:
        """Blocks of up to ``block_size`` records as staged and rejected rows, in file order
        (see BlockConverter.convert_staged)."""
        converter = BlockConverter(
            headings=self.headings,
            mapping=self.mapping,
            number_style=self.number_style,
            year_pivot=self.year_pivot,
            latest_date=self.latest_date,
        )
        columnar: dict[str, bool] = (
            {"columnar": True} if isinstance(self._source, CsvSource) else {}
        )
        for lines, records in self._source.blocks(
            block_size, kinds=self._kinds, style=self.number_style, **columnar
        ):
            yield converter.convert_staged(lines, records)

    def rows(self) -> Iterator[Output]:
        """Every row in file order."""
        return chain.from_iterable(self.iter_chunks())


def _fill(
    chunk: list[Output],
    size: int,
    blocks: Iterator[tuple[list[int], list[list[str]]]],
    converter: BlockConverter,
) -> bool:
    """Appends converted blocks until the chunk is full; True when the file is exhausted."""
    while len(chunk) < size:
        block = next(blocks, None)
        if block is None:
            return True
        chunk.extend(converter.convert(*block))
    return False


def open_sales_file(
    path: str | Path,
    *,
    mapping_overrides: dict[str, str] | None = None,
    sheet: str | None = None,
    max_xlsx_bytes: int = DEFAULT_MAX_XLSX_BYTES,
    max_xlsx_uncompressed_bytes: int = DEFAULT_MAX_XLSX_UNCOMPRESSED_BYTES,
    max_xlsx_ratio: int = DEFAULT_MAX_XLSX_RATIO,
    year_pivot: int | None = None,
    latest_date: datetime.date | None = None,
    max_records: int | None = None,
) -> SalesFile:
    """Opens a CSV or XLSX sales export, or raises ``FileRefused`` with a German sentence.

    ``max_records``: only that many records after the header will be read (a preview): an
    XLSX sheet is then streamed instead of loaded, and the number format is guessed from them.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            magic = file.read(8)
    except OSError as exc:
        raise FileRefused("file_unreadable", detail=exc.strerror or str(exc)) from None
    if size == 0:
        raise FileRefused("file_empty")
    source: _Source
    if magic.startswith(_ZIP_MAGIC) or magic == OLE_MAGIC or path.suffix.lower() in _XLSX_SUFFIXES:
        check_xlsx(
            path,
            max_bytes=max_xlsx_bytes,
            max_uncompressed_bytes=max_xlsx_uncompressed_bytes,
            max_ratio=max_xlsx_ratio,
        )
        source = XlsxSource(path, sheet=sheet, max_records=max_records)
    else:
        source = CsvSource(path, detect_encoding(path))  # type: ignore[assignment]
    pivot = two_digit_year_pivot() if year_pivot is None else year_pivot
    sample = _STYLE_SAMPLE_RECORDS if max_records is None else max_records
    return SalesFile(
        source,
        mapping_overrides=mapping_overrides,
        year_pivot=pivot,
        sample_records=sample,
        latest_date=latest_date,
    )
