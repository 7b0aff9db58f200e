"""Dates as German and international ERP exports write them.

Accepted: ``31.12.2025``, ``1.2.2025``, ``31.12.25``, ``2025-12-31``, SAP's ``20251231``, each
optionally followed by a time (``31.12.2025 00:00:00``, ``2025-12-31T08:00``), which is ignored.
Two-digit years up to the current two-digit year plus ten are 20yy, later ones 19yy
(in 2025: ``35`` is 2035, ``36`` is 1936). Slashed dates are refused because ``01/02/2025``
means different days in different countries.
"""

from __future__ import annotations

import datetime

MIN_YEAR = 1900
MAX_YEAR = 2199
#: Invoice dates before this are refused as implausible (no ERP export of a living
#: business goes back that far; a 1900 or 1970 is a default value, not a sale).
EARLIEST_PLAUSIBLE = datetime.date(1990, 1, 1)
#: Days after today that an invoice date may lie (``KAM_IMPORT_MAX_FUTURE_DAYS`` in kam).
DEFAULT_MAX_FUTURE_DAYS = 31


class DateError(ValueError):
    """A value is not a usable date; ``code`` is a reason code from ``messages.ROW_REASONS``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def two_digit_year_pivot(today: datetime.date | None = None) -> int:
    """The largest two-digit year read as 20yy."""
    year = (today or datetime.datetime.now(tz=datetime.UTC).date()).year
    return year % 100 + 10


def latest_plausible_date(
    max_future_days: int = DEFAULT_MAX_FUTURE_DAYS, today: datetime.date | None = None
) -> datetime.date:
    """The latest invoice date accepted: ``max_future_days`` after today."""
    today = today or datetime.datetime.now(tz=datetime.UTC).date()
    return today + datetime.timedelta(days=max_future_days)


def _without_time(text: str) -> str:
    for mark in (" ", "T"):
        date_part, found, time_part = text.partition(mark)
        if found and time_part[:1].isdigit() and ":" in time_part:
            return date_part
    return text


def _parts(text: str) -> tuple[str, str, str] | None:
    """Day, month and year as written, or None when the layout is unknown."""
    if text.count(".") == 2:
        day, month, year = text.split(".")
        if len(year) in (2, 4) and len(day) <= 2 and len(month) <= 2:
            return day, month, year
    elif text.count("-") == 2:
        year, month, day = text.split("-")
        if len(year) == 4 and len(day) <= 2 and len(month) <= 2:
            return day, month, year
    elif len(text) == 8:
        return text[6:], text[4:6], text[:4]
    return None


def parse_date(
    value: str,
    pivot: int,
    earliest: datetime.date | None = None,
    latest: datetime.date | None = None,
) -> datetime.date:
    """The date a clerk wrote, or ``DateError`` with code ``missing_value``,
    ``date_unknown_format``, ``date_impossible``, ``date_out_of_range`` or (before ``earliest``
    or after ``latest``) ``date_implausible``."""
    text = _without_time(value.strip())
    if not text:
        raise DateError("missing_value")
    parts = _parts(text)
    if parts is None or not all(part.isascii() and part.isdigit() for part in parts):
        raise DateError("date_unknown_format")
    day, month, year = (int(part) for part in parts)
    if len(parts[2]) == 2:
        year += 2000 if year <= pivot else 1900
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError("date_out_of_range")
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        raise DateError("date_impossible") from None
    too_early = earliest is not None and parsed < earliest
    if too_early or (latest is not None and parsed > latest):
        raise DateError("date_implausible")
    return parsed
