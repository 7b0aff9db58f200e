"""Column-wise conversion of a block of raw values, the hot path of the reader.

A block holds about a thousand values of one column. Plain values (``1.234,56``, ``12,5``,
``-7``, ``31.12.2025``) are converted for the whole block at once with C-level string operations
and lookups in caches of values seen before; only a block that contains anything unusual falls
back to the exact per-value parsers in ``numbers.py`` and ``dates.py``. Each converter returns the
converted values and ``{position in block: reason code}`` for the values it rejects.
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import accumulate, compress
from typing import Any

from .dates import EARLIEST_PLAUSIBLE, DateError, parse_date
from .numbers import (
    MAX_INTEGER_DIGITS,
    NumberError,
    NumberStyle,
    parse_cents,
    parse_decimal,
    parse_whole_number,
)

Errors = dict[int, str]

# A cache larger than this is dropped and rebuilt; dates and quantities repeat a lot, so it
# rarely fills, but a file of unique garbage must not grow memory without bound.
_CACHE_LIMIT = 200_000
_CENTS_LIMIT = 10**15
_DIGITS_TO_D = bytes.maketrans(b"0123456789", b"dddddddddd")

_CURRENCY_ALIASES = {"€": "EUR", "EURO": "EUR", "$": "USD", "£": "GBP", "SFR": "CHF", "FR.": "CHF"}


# Control characters (C0 except tab, line feed and carriage return, and DEL): a NUL byte in a
# customer name cannot be written to XLSX (XML) nor stored by PostgreSQL, so such a row is refused.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# The bytes that are no control character: deleting them from a block's UTF-8 leaves the
# control characters, which UTF-8 writes as themselves (a byte of a longer sequence is >= 0x80).
# Three times faster than the search by pattern, which only runs on a block that has one.
_NOT_CONTROL = bytes(set(range(256)) - {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F})


def control_errors(values: Sequence[str]) -> Errors:
    """Position → "control_character" for each value with a control character; one C-level
    search over the whole block, and a lookup of each match's value by its offset."""
    joined = "".join(values)
    if not joined.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL):
        return {}
    ends = list(accumulate(map(len, values)))  # the offset after each value
    return {
        bisect_right(ends, match.start()): "control_character"
        for match in _CONTROL_CHARACTERS.finditer(joined)
    }


def visible_controls(value: str) -> str:
    """The value with each control character shown as its Unicode picture (NUL as ␀)."""
    return _CONTROL_CHARACTERS.sub(
        lambda m: "\u2421" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), value
    )


def strip_text(values: Sequence[str], *, required: bool) -> tuple[list[str], Errors]:
    stripped = list(map(str.strip, values))
    errors = control_errors(stripped)
    if required and "" in stripped:
        errors = {i: "missing_value" for i, text in enumerate(stripped) if not text} | errors
    return stripped, errors


def text_or_none(values: Sequence[str]) -> list[str | None]:
    return [text or None for text in map(str.strip, values)]


class AmountColumn:
    """Converts blocks of written amounts to integer cents for one number style.

    Every value is reduced to its shape (``1.234,56`` → ``d.ddd,dd``); the few distinct shapes
    of a block are checked once, and the digits of all well-shaped values are read in one go by
    the C JSON parser, which is several times faster than calling ``int`` per value. Values of
    any other shape go through ``parse_cents`` one by one.
    """

    def __init__(self, style: NumberStyle) -> None:
        self.style: NumberStyle = style
        decimal_mark, thousands = (",", ".") if style == "de" else (".", ",")
        dec, tho = re.escape(decimal_mark), re.escape(thousands)
        self._shape_pattern = re.compile(
            rf" *(?P<lead>-?)(?:d{{1,3}}(?:{tho}ddd)+|d+)(?:{dec}(?P<decimals>dd?))?"
            rf"(?P<trail>-?) *"
        )
        self._shapes: dict[bytes, tuple[int, bool] | None] = {b"": (0, False)}
        self._decimal_mark = decimal_mark
        self._thousands = thousands
        mark = decimal_mark.encode()
        self._zero_int = b"\n0" + mark
        self._negative_zero_int = b"\n-0" + mark
        self._zero_fraction = (b"\n" + mark + b"0", b"\n-" + mark + b"0")

    def _drop_leading_zeros(self, data: bytes) -> bytes:
        """JSON refuses leading zeros: ``0,05`` must read as ``5`` cents, not ``005``."""
        mark = self._zero_int[2:]
        data = data.replace(self._zero_int, b"\n" + mark)
        data = data.replace(self._negative_zero_int, b"\n-" + mark)
        for prefix in self._zero_fraction:
            if prefix in data:
                for digit in b"0123456789":
                    data = data.replace(prefix + bytes((digit,)), prefix[:-1] + bytes((digit,)))
        return data

    def _shape(self, shape: bytes) -> tuple[int, bool] | None:
        """``(scale to cents, minus written after the number)`` or None for the exact parser."""
        if shape not in self._shapes:
            self._shapes[shape] = self._classify(shape.decode("ascii", "replace"))
        return self._shapes[shape]

    def _classify(self, shape: str) -> tuple[int, bool] | None:
        match = self._shape_pattern.fullmatch(shape)
        if match is None or (match["lead"] and match["trail"]):
            return None
        decimals = len(match["decimals"] or "")
        if shape.count("d") - decimals > MAX_INTEGER_DIGITS:
            return None
        return 10 ** (2 - decimals), bool(match["trail"])

    def convert(self, values: Sequence[str], *, required: bool) -> tuple[list[int | None], Errors]:
        raw = "\n".join(values).encode("ascii", "replace")
        shapes = raw.translate(_DIGITS_TO_D).split(b"\n")
        if len(shapes) != len(values):  # A value contains a line break.
            return self._convert_each(values, range(len(values)), required=required)
        kinds = {shape: self._shape(shape) for shape in set(shapes)}
        odd = {shape for shape, kind in kinds.items() if kind is None}
        if odd:
            parts = raw.split(b"\n")
            raw = b"\n".join(
                [b"" if shape in odd else part for shape, part in zip(shapes, parts, strict=True)]
            )
        cents = self._convert_plain(raw, shapes, kinds, has_empty=bool(odd) or b"" in kinds)
        if cents is None:
            return self._convert_each(values, range(len(values)), required=required)
        errors: Errors = {}
        if odd:
            positions = [i for i, shape in enumerate(shapes) if shape in odd]
            exact, errors = self._convert_each(values, positions, required=required)
            for i, amount in zip(positions, exact, strict=True):
                cents[i] = amount
        if required and b"" in kinds:
            errors.update((i, "missing_value") for i, shape in enumerate(shapes) if not shape)
        return cents, errors

    def _convert_plain(
        self,
        raw: bytes,
        shapes: list[bytes],
        kinds: dict[bytes, tuple[int, bool] | None],
        *,
        has_empty: bool,
    ) -> list[int | None] | None:
        """Cents of values with a checked shape (None for the others), or None to read each."""
        data = b"\n" + raw + b"\n"
        if self._zero_int in data or self._negative_zero_int in data:
            data = self._drop_leading_zeros(data)
        trailing_minus = any(kind and kind[1] for kind in kinds.values())
        if trailing_minus:
            data = data.replace(b"-\n", b"\n")
        data = data.translate(None, b".,")
        if has_empty:
            while b"\n\n" in data:
                data = data.replace(b"\n\n", b"\nnull\n")
        body = data[1:-1]
        try:
            numbers: list[int | None] = json.loads(b"[" + body.replace(b"\n", b",") + b"]")
        except ValueError:  # Leading zeros such as ``007,50``, or blanks around a minus.
            try:
                numbers = [int(part) if part != b"null" else None for part in body.split(b"\n")]
            except ValueError:
                return None
        scales = {kind[0] for kind in kinds.values() if kind and kind[0] != 0}
        if scales <= {1} and not trailing_minus:
            return numbers
        return [
            None if number is None or kind is None else number * (-kind[0] if kind[1] else kind[0])
            for number, kind in zip(numbers, map(kinds.__getitem__, shapes), strict=True)
        ]

    def _convert_each(
        self, values: Sequence[str], positions: Iterable[int], *, required: bool
    ) -> tuple[list[int | None], Errors]:
        """Exact parsing of the values at some positions; returns their cents in that order."""
        cents: list[int | None] = []
        errors: Errors = {}
        for i in positions:
            try:
                amount: int | None = parse_cents(values[i], self.style)
            except NumberError as exc:
                amount = None
                if exc.code != "missing_value" or required:
                    errors[i] = exc.code
            else:
                if not -_CENTS_LIMIT < amount < _CENTS_LIMIT:  # type: ignore[operator]
                    errors[i] = "number_too_large"
            cents.append(amount)
        return cents, errors


class CachedColumn:
    """Converts a column whose values repeat (dates, quantities, positions) through a cache."""

    # Whether None is a valid converted value (an empty optional cell); when it is not, a None
    # from the cache lookup cheaply reveals a value not seen before.
    none_is_value = True

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}
        self._errors: dict[str, str] = {}

    def parse(self, value: str) -> Any:
        """The converted value; raises ``NumberError`` or ``DateError``."""
        raise NotImplementedError

    def convert(self, values: Sequence[str], *, required: bool) -> tuple[list[Any], Errors]:
        cache = self._cache
        if not self.none_is_value:
            converted = list(map(cache.get, values))
            if None not in converted:
                return converted, {}
        new = set(values).difference(cache)
        if not new:
            return list(map(cache.__getitem__, values)), {}
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
            self._errors.clear()
        bad = {}
        for raw in new:
            code = self._errors.get(raw) or self._learn(raw)
            if code is not None and (code != "missing_value" or required):
                bad[raw] = code
        converted = list(map(cache.get, values))
        if not bad:
            return converted, {}
        # The positions of the few bad values, picked out in C.
        positions = compress(range(len(values)), map(bad.__contains__, values))
        return converted, {i: bad[values[i]] for i in positions}

    def _learn(self, raw: str) -> str | None:
        """Parses a new value into the cache; returns the reason code if it is not valid."""
        try:
            self._cache[raw] = self.parse(raw)
        except (NumberError, DateError) as exc:
            self._errors[raw] = exc.code
            return exc.code
        return None


class DateColumn(CachedColumn):
    none_is_value = False

    def __init__(self, pivot: int, latest: datetime.date | None = None) -> None:
        super().__init__()
        self._pivot = pivot
        self._latest = latest

    def parse(self, value: str) -> datetime.date:
        return parse_date(value, self._pivot, EARLIEST_PLAUSIBLE, self._latest)


class QuantityColumn(CachedColumn):
    def __init__(self, style: NumberStyle) -> None:
        super().__init__()
        self._style: NumberStyle = style

    def parse(self, value: str) -> Decimal | None:
        if not value.strip():
            return None
        return parse_decimal(value, self._style)


class DateTextColumn(DateColumn):
    """Dates as ISO text (a staged row's date), with the checks of ``DateColumn``."""

    def parse(self, value: str) -> str:  # type: ignore[override]
        return super().parse(value).isoformat()


class QuantityTextColumn(QuantityColumn):
    """Quantities as the text of their Decimal (a staged row's quantity), with the checks of
    ``QuantityColumn``; keyed by the written value, so ``1,50`` stays ``1.50``."""

    def parse(self, value: str) -> str | None:  # type: ignore[override]
        quantity = super().parse(value)
        return None if quantity is None else str(quantity)


class CurrencyColumn(CachedColumn):
    def parse(self, value: str) -> str | None:
        text = value.strip().upper()
        if not text:
            return None
        text = _CURRENCY_ALIASES.get(text, text)
        if len(text) != 3 or not (text.isascii() and text.isalpha()):
            raise NumberError("currency_invalid")
        return text


class PositionColumn(CachedColumn):
    """Position numbers. An empty one is rejected: numbering it here could collide with a
    number given further down the same invoice."""

    none_is_value = False

    def parse(self, value: str) -> int:
        return parse_whole_number(value)


class InvoiceLineCounter:
    """Numbers the lines of each invoice in file order when the file has no position column.

    Every record with an invoice number counts, even one rejected for another reason, so that
    correcting a rejected row in place and importing again gives every line the same number.

    The counts of at most ``kept`` invoices stay in memory. Beyond that they move to a private
    temporary SQLite file (its page cache bounded), and a bitmap of the moved invoices' hashes
    tells which invoices of a block may have a count there: a file with millions of invoices
    does not grow memory, and the numbering stays exact.
    """

    KEPT = 100_000
    _FILTER_BITS = 1 << 26  # 8 MB, made when counts first move out

    def __init__(self, kept: int = KEPT) -> None:
        self._counts: dict[str, int] = {}
        self._kept = kept
        self._moved: sqlite3.Connection | None = None
        self._filter = bytearray()

    def number(self, invoices: Sequence[str]) -> list[int]:
        if self._moved is not None:
            self._bring_back(invoices)
        counts = self._counts
        get = counts.get
        numbers: list[int] = []
        append = numbers.append
        for invoice in invoices:
            count = counts[invoice] = get(invoice, 0) + 1
            append(count)
        if len(counts) > self._kept:
            self._move_out()
        return numbers

    def _move_out(self) -> None:
        if self._moved is None:
            # "": a temporary file of its own, deleted when closed; any thread may use it.
            self._moved = sqlite3.connect("", check_same_thread=False)
            self._moved.execute("CREATE TABLE counts (invoice TEXT PRIMARY KEY, n INTEGER)")
            self._filter = bytearray(self._FILTER_BITS >> 3)
        self._moved.executemany(
            "INSERT INTO counts VALUES (?, ?) ON CONFLICT (invoice) DO UPDATE SET n = excluded.n",
            self._counts.items(),
        )
        bits, mask = self._filter, self._FILTER_BITS - 1
        for invoice in self._counts:
            bit = hash(invoice) & mask
            bits[bit >> 3] |= 1 << (bit & 7)
        self._counts = {}

    def _bring_back(self, invoices: Sequence[str]) -> None:
        """Takes the moved counts of the block's invoices back into memory."""
        assert self._moved is not None
        bits, mask, counts = self._filter, self._FILTER_BITS - 1, self._counts
        wanted = []
        for invoice in set(invoices).difference(counts):
            bit = hash(invoice) & mask
            if bits[bit >> 3] >> (bit & 7) & 1:
                wanted.append(invoice)
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            marks = ", ".join("?" * len(batch))
            found = self._moved.execute(
                f"SELECT invoice, n FROM counts WHERE invoice IN ({marks})",  # noqa: S608
                batch,
            )
            counts.update(found)
