"""Exact parsing of amounts and quantities written the German or the English way.

These functions handle one value at a time and cover every tolerated spelling. The hot path in
``columns.py`` converts whole blocks of plain values with string operations and only falls back
to these for the values it does not recognise.

More than two decimals are rounded to cents half up (away from zero on a tie), as ERP systems
that export four decimals round when they print invoices.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

NumberStyle = Literal["de", "en"]

# Amounts above this many integer digits (10 trillion) are typos or a wrong column.
MAX_INTEGER_DIGITS = 13
# Currency marks a clerk's export may put before or after an amount.
_CURRENCY_MARKS = ("EUR", "CHF", "USD", "GBP", "€", "$", "£")
# Characters besides the two separators that some exports use to group thousands.
_GROUP_SPACES = (" ", "\u00a0", "\u202f", "'", "’")
_NUMERIC_CHARS = frozenset("0123456789.,") | frozenset(_GROUP_SPACES)
_SEPARATORS = {"de": (",", "."), "en": (".", ",")}


class NumberError(ValueError):
    """A value is not a number; ``code`` is a reason code from ``messages.ROW_REASONS``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _strip_currency(text: str) -> str:
    upper = text.upper()
    for mark in _CURRENCY_MARKS:
        if upper.startswith(mark):
            return text[len(mark) :].strip()
        if upper.endswith(mark):
            return text[: -len(mark)].strip()
    return text


def _split_sign(text: str) -> tuple[bool, str]:
    if text[:1] in ("-", "−") and text[-1:] != "-":
        return True, text[1:].strip()
    if text[-1:] == "-" and text[:1] not in ("-", "−", "+"):
        return True, text[:-1].strip()
    if text[:1] == "(" and text[-1:] == ")":
        return True, text[1:-1].strip()
    if text[:1] == "+":
        return False, text[1:].strip()
    return False, text


def _integer_digits(integer_part: str, thousands: str) -> str:
    """The digits of an integer part, checking that any grouping is in threes."""
    grouping = [mark for mark in (thousands, *_GROUP_SPACES) if mark in integer_part]
    if not grouping:
        return integer_part
    if len(grouping) > 1:
        raise NumberError("number_garbled")
    groups = integer_part.split(grouping[0])
    if not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:]):
        raise NumberError("number_garbled")
    return "".join(groups)


def split_number(value: str, style: NumberStyle) -> tuple[bool, str, str]:
    """``(negative, integer digits, fraction digits)`` of a written number, or ``NumberError``."""
    text = value.strip()
    if not text:
        raise NumberError("missing_value")
    negative, text = _split_sign(_strip_currency(text))
    if not text or not set(text) <= _NUMERIC_CHARS or not any(c.isdigit() for c in text):
        raise NumberError("number_not_numeric")
    decimal_mark, thousands = _SEPARATORS[style]
    if text.count(decimal_mark) > 1:
        raise NumberError("number_garbled")
    integer_part, _, fraction = text.partition(decimal_mark)
    if not fraction.isdigit() and fraction:
        raise NumberError("number_garbled")
    digits = _integer_digits(integer_part, thousands)
    if not digits.isdigit() and digits:
        raise NumberError("number_garbled")
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise NumberError("number_too_large")
    return negative, digits or "0", fraction


def parse_cents(value: str, style: NumberStyle) -> int:
    """Integer cents of a written amount, rounding beyond two decimals half up."""
    negative, digits, fraction = split_number(value, style)
    cents = int(digits) * 100 + int(fraction[:2].ljust(2, "0"))
    if len(fraction) > 2 and fraction[2] >= "5":
        cents += 1
    return -cents if negative else cents


def parse_decimal(value: str, style: NumberStyle) -> Decimal:
    """The exact ``Decimal`` of a written quantity."""
    negative, digits, fraction = split_number(value, style)
    return Decimal(f"{'-' if negative else ''}{digits}.{fraction or '0'}")


def parse_whole_number(value: str) -> int:
    """A position number such as ``10`` or SAP's ``000010``; ``10,0`` is not accepted."""
    text = value.strip()
    if not text:
        raise NumberError("missing_value")
    if not (text.isascii() and text.isdigit()):
        raise NumberError("integer_invalid")
    return int(text)


def _vote(text: str) -> NumberStyle | None:
    """Which style a single value proves, or None when it reads the same in both."""
    if "," in text and "." in text:
        return "de" if text.rfind(",") > text.rfind(".") else "en"
    if "," in text:
        return _single_mark_vote(text, ",", decimal_style="de", grouping_style="en")
    if "." in text:
        return _single_mark_vote(text, ".", decimal_style="en", grouping_style="de")
    return None


def _single_mark_vote(
    text: str, mark: str, *, decimal_style: NumberStyle, grouping_style: NumberStyle
) -> NumberStyle | None:
    if text.count(mark) > 1:
        return grouping_style
    decimals = len(text) - text.index(mark) - 1
    return None if decimals == 3 else decimal_style


def detect_number_style(values: Iterable[str], default: NumberStyle = "de") -> NumberStyle:
    """The style most sample values prove; `default` (German) when nothing decides (``1,234``
    is ambiguous)."""
    votes = {"de": 0, "en": 0}
    for value in values:
        digits_and_marks = "".join(c for c in value if c.isdigit() or c in ",.")
        style = _vote(digits_and_marks)
        if style is not None:
            votes[style] += 1
    if votes["en"] == votes["de"]:
        return default
    return "en" if votes["en"] > votes["de"] else "de"
