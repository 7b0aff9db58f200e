"""Records of a delimited text export, with the physical line each record starts on."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, compress, islice, repeat
from pathlib import Path
from typing import IO, Any

from .block import line_breaks
from .encoding import reading_encoding
from .model import FileRefused
from .numbers import NumberStyle

DELIMITERS = (";", ",", "\t")
_SNIFF_LINES = 30
_SNIFF_CHARS = 1 << 16


def count_outside_quotes(line: str, delimiter: str) -> int:
    """How often a delimiter occurs in a line outside double-quoted sections."""
    return sum(part.count(delimiter) for part in line.split('"')[::2])


def detect_delimiter(lines: Sequence[str]) -> str:
    """The candidate that splits the header best and splits the following lines the same way.

    Counting in the header ranks the candidates; a candidate is confirmed when most sample lines
    parse into as many fields as the header. German exports default to the semicolon.
    """
    header = next((line for line in lines if line.strip()), "")
    ranked = sorted(DELIMITERS, key=lambda d: -count_outside_quotes(header, d))
    candidates = [d for d in ranked if count_outside_quotes(header, d) > 0]
    for delimiter in candidates:
        if _splits_consistently(lines, delimiter):
            return delimiter
    return candidates[0] if candidates else ";"


def _splits_consistently(lines: Sequence[str], delimiter: str) -> bool:
    records = [record for record in csv.reader(lines, delimiter=delimiter) if any(record)]
    if len(records) < 2:
        return True
    width = len(records[0])
    matching = sum(1 for record in records[1:] if len(record) == width)
    return matching >= 0.8 * (len(records) - 1)


class CsvSource:
    kind = "csv"

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self.sheet_name: str | None = None
        with self._open() as file:
            sample = list(islice(iter(lambda: file.readline(_SNIFF_CHARS), ""), _SNIFF_LINES))
        self.delimiter = detect_delimiter(sample)
        with self._open() as file:
            reader = self._reader(file)
            header = self._skip_to_header(reader)
            self.header_line = reader.line_num - line_breaks(header)
        self.raw_headings: list[str] = header

    def _open(self) -> IO[str]:
        encoding = reading_encoding(self.encoding)
        return self.path.open("r", encoding=encoding, errors="strict", newline="")

    def _reader(self, file: IO[str]) -> Any:
        return csv.reader(file, delimiter=self.delimiter)

    @staticmethod
    def _skip_to_header(reader: Iterator[list[str]]) -> list[str]:
        for record in reader:
            if any(field.strip() for field in record):
                while record and not record[-1].strip():
                    record.pop()
                return record
        raise FileRefused("no_header")

    def blocks(
        self, size: int, *, kinds: Sequence[str], style: NumberStyle, columnar: bool = False
    ) -> Iterator[tuple[list[int], Any]]:
        """``(start lines, records)`` for blocks of about ``size`` records after the header.

        Most exports quote nothing: a block of lines without a quote (or a NUL) is split at
        the delimiter, which gives what the csv module would, in half the time. In a block
        with quotes, only the quoted lines go through the csv module, as long as each of them
        is a record of its own (a quoted customer name with the delimiter inside). Any other
        block goes through the csv module as a whole, which reads on from the file when a
        quoted field spans the block's last line. ``columnar``: a block without quotes comes as
        an UnquotedBlock, split column by column where every line has the same fields.
        """
        with self._open() as file:
            header = csv.reader(file, delimiter=self.delimiter)
            self._skip_to_header(header)  # reads no further than the header's last line
            consumed = header.line_num
            while lines := list(islice(file, size)):
                text = "".join(lines)
                records = None
                if "\x00" in text:
                    pass
                elif '"' in text:
                    records = _split_quoted(lines, self.delimiter, columnar=columnar)
                elif columnar:
                    records = UnquotedBlock(lines, self.delimiter)
                else:
                    records = _split(lines, self.delimiter)
                if records is None:
                    records, read = self._parse(lines, file)
                    starts = _start_lines(consumed, consumed + read, records)
                else:
                    read = len(lines)
                    starts = list(range(consumed + 1, consumed + read + 1))
                yield starts, records
                consumed += read

    def _parse(self, lines: list[str], file: IO[str]) -> tuple[list[list[str]], int]:
        """The records that start in ``lines`` (the last may go on in ``file``) and how many
        lines they take."""
        reader = csv.reader(chain(lines, file), delimiter=self.delimiter)
        records = []
        try:
            while reader.line_num < len(lines):
                records.append(next(reader))
        except csv.Error as exc:
            line = self._start_of_broken_record()
            raise FileRefused("csv_broken", line=line, detail=str(exc)) from None
        return records, reader.line_num

    def _start_of_broken_record(self) -> int:
        """Reads again one record at a time to find where the record the parser choked on starts."""
        with self._open() as file:
            reader = csv.reader(file, delimiter=self.delimiter)
            start = 1
            try:
                for _ in reader:
                    start = reader.line_num + 1
            except csv.Error:
                pass
        return start

    def written_values(self, columns: Sequence[int], records: int) -> Iterator[str]:
        """The values of some columns in the first records, for guessing the number style."""
        with self._open() as file:
            reader = csv.reader(file, delimiter=self.delimiter)
            self._skip_to_header(reader)
            try:
                for record in islice(reader, records):
                    yield from (record[column] for column in columns if column < len(record))
            except csv.Error:
                return  # Reported with its line when the rows are read.


class UnquotedBlock:
    """Lines without quotes, split at the delimiter as the csv module reads them, either by
    column at once (``columns``) or as records (``records``).

    Splitting a million lines one by one and turning the records into columns took a fifth of
    the reader's time; where every line has the same number of fields, one split of the
    block's lines joined by the delimiter gives every field in order, and a column is every
    ``width``-th of them.
    """

    def __init__(
        self, lines: list[str], delimiter: str, quoted: dict[int, list[str]] | None = None
    ) -> None:
        # ``quoted``: the records of the lines with quotes, as the csv module read them.
        self.lines, self.delimiter, self.quoted = lines, delimiter, quoted or {}

    def __len__(self) -> int:
        return len(self.lines)

    def _cut(self) -> tuple[list[str], str]:
        """The lines without their line ends, and the delimiter that separates their fields."""
        delimiter, lines = self.delimiter, [line.rstrip("\r\n") for line in self.lines]
        if self.quoted:
            # Quoted fields may hold the delimiter: every field is cut at a NUL instead, which
            # no such block has (a block with one goes through the csv module as a whole).
            lines = "\n".join(lines).replace(delimiter, "\x00").split("\n")
            for i, record in self.quoted.items():
                lines[i] = "\x00".join(record)
            delimiter = "\x00"
        return lines, delimiter

    def columns(self, width: int) -> list[tuple[str, ...]] | None:
        """The block's columns if every line has ``width`` (2 or more) fields, else None."""
        fitted = self.fitted_columns(width)
        return None if fitted is None else fitted[0]

    def fitted_columns(
        self, width: int, fit: Callable[[int, list[str]], list[str] | None] | None = None
    ) -> tuple[list[tuple[str, ...]], UnquotedBlock, list[int] | None] | None:
        """The columns of the block's lines of ``width`` (2 or more) fields, with each record of
        another width as ``fit(index, record)`` makes it (cut to ``width`` fields, or None: left
        out); the block of the lines kept and their indices here (None: all, the block itself).
        Only those few records are split one by one: a block with one bad line keeps its split
        by column for the others. None if ``width`` is less than 2, or without ``fit`` if a
        record has another width."""
        if width < 2:
            return None
        lines, delimiter = self._cut()
        other_width = list(map((width - 1).__ne__, map(str.count, lines, repeat(delimiter))))
        if not any(other_width):
            return _by_column(lines, delimiter, width), self, None
        if fit is None:
            return None
        quoted, left_out = dict(self.quoted), set()
        for i in compress(range(len(lines)), other_width):
            record = fit(i, self[i])
            if record is None:
                left_out.add(i)
            else:
                lines[i] = delimiter.join(record)
                quoted[i] = record
        kept = [i for i in range(len(lines)) if i not in left_out]
        block = UnquotedBlock(
            [self.lines[i] for i in kept],
            self.delimiter,
            {new: quoted[old] for new, old in enumerate(kept) if old in quoted},
        )
        return _by_column([lines[i] for i in kept], delimiter, width), block, kept

    def __getitem__(self, index: int) -> list[str]:
        """Record ``index`` (a rejected row's values)."""
        if index in self.quoted:
            return self.quoted[index]
        return _split([self.lines[index]], self.delimiter)[0]

    def records(self) -> list[list[str]]:
        records = _split(self.lines, self.delimiter)
        for i, record in self.quoted.items():
            records[i] = record
        return records


def _by_column(lines: list[str], delimiter: str, width: int) -> list[tuple[str, ...]]:
    """The columns of lines that each have ``width`` fields."""
    fields = delimiter.join(lines).split(delimiter)
    return [tuple(fields[column::width]) for column in range(width)]


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    """Lines without quotes split into fields, as the csv module reads them (which gives no
    field at all for an empty line)."""
    records = [line.rstrip("\r\n").split(delimiter) for line in lines]
    if [""] in records:
        records = [[] if record == [""] else record for record in records]
    return records


def _split_quoted(lines: list[str], delimiter: str, *, columnar: bool = False) -> Any:
    """Lines split into fields as the csv module reads them, the lines with a quote by the csv
    module itself; None if one of those may not be a record of its own (a quoted field that
    goes on in the next line) or does not parse: the caller reads the block as a whole.
    ``columnar``: as an UnquotedBlock with the quoted lines' records."""
    quoted = [i for i, line in enumerate(lines) if '"' in line]
    try:
        parsed = list(csv.reader([lines[i] for i in quoted], delimiter=delimiter))
    except csv.Error:
        return None
    if len(parsed) != len(quoted):
        return None
    # A line that leaves a quote open ends its field with the line break (taking in the next
    # quoted line, if any): such a record would span lines in the file.
    fields = "".join(chain.from_iterable(parsed))
    if "\n" in fields or "\r" in fields:
        return None
    if columnar:
        return UnquotedBlock(lines, delimiter, dict(zip(quoted, parsed, strict=True)))
    records = _split(lines, delimiter)
    for i, record in zip(quoted, parsed, strict=True):
        records[i] = record
    return records


def _start_lines(consumed: int, end: int, block: list[list[str]]) -> list[int]:
    if end - consumed == len(block):
        return list(range(consumed + 1, end + 1))
    lines = []
    line = consumed + 1
    for record in block:
        lines.append(line)
        line += 1 + line_breaks(record)
    return lines
