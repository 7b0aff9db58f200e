"""Business time: deadlines that count only working hours on working days.

Pure Python (no Django), so the calendar can be tested by itself. A working day runs from
`opens` to `closes` in the calendar's time zone; weekends and the public holidays of one German
federal state (via the `holidays` package) do not count.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

#: A deadline search never walks further than this; no SLA is ten years long.
MAX_DAYS = 3660


@lru_cache(maxsize=64)
def _holidays(country: str, state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=state or None, years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    timezone: str = "Europe/Berlin"
    opens: time = time(8, 0)
    closes: time = time(17, 0)
    workdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Mon–Fri
    country: str = "DE"
    state: str = "NW"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_seconds(self) -> float:
        return (
            datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        ).total_seconds()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in _holidays(
            self.country, self.state, day.year
        )

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of one day as aware datetimes (empty on days off)."""
        start = datetime.combine(day, self.opens, tzinfo=self.tz)
        end = (
            datetime.combine(day, self.closes, tzinfo=self.tz)
            if self.is_working_day(day)
            else start
        )
        return start, end


def add_business_time(start: datetime, seconds: float, calendar: WorkingCalendar) -> datetime:
    """The moment when `seconds` of working time have passed after `start`."""
    moment = start.astimezone(calendar.tz)
    remaining = max(0.0, seconds)
    day = moment.date()
    for _ in range(MAX_DAYS):
        opens, closes = calendar.window(day)
        begin = max(moment, opens)
        available = (closes - begin).total_seconds()
        if available >= 0 and closes > opens and remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= max(0.0, available) if closes > opens else 0.0
        day += timedelta(days=1)
    raise ValueError("deadline beyond the calendar's range")


def business_seconds_between(start: datetime, end: datetime, calendar: WorkingCalendar) -> float:
    """Working time between two moments (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    first, last = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total, day = 0.0, first.date()
    while day <= last.date():
        opens, closes = calendar.window(day)
        overlap = (min(closes, last) - max(opens, first)).total_seconds()
        total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


def deadline(
    start: datetime,
    hours: float,
    calendar: WorkingCalendar,
    pauses: list[tuple[datetime, datetime]] = (),  # type: ignore[assignment]
) -> datetime:
    """The deadline `hours` working hours after `start`, pushed back by the paused working time.

    A pause (waiting for the customer) stops the clock: the working time inside each paused
    interval after `start` is added to the allowance.
    """
    paused = sum(business_seconds_between(max(a, start), b, calendar) for a, b in pauses)
    return add_business_time(start, hours * 3600 + paused, calendar)
