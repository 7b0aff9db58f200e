"""Business-hour deadlines: weekends, holidays (NRW), hours, pauses. Pure: no database."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kam.complaints.business_time import (
    WorkingCalendar,
    add_business_time,
    business_seconds_between,
    deadline,
)

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = WorkingCalendar(state="NW")
HOUR = 3600

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(BERLIN)
)
durations = st.integers(min_value=0, max_value=200 * HOUR)


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_friday_afternoon_plus_two_hours_is_monday_morning():
    assert deadline(at(2026, 3, 13, 16, 0), 2, CALENDAR) == at(2026, 3, 16, 9, 0)


def test_a_complaint_received_at_night_starts_counting_at_eight():
    assert deadline(at(2026, 3, 10, 22, 30), 2, CALENDAR) == at(2026, 3, 11, 10, 0)


def test_easter_and_corpus_christi_in_nrw_are_skipped():
    # Maundy Thursday 2026-04-02 16:00 + 2 h: Good Friday and Easter Monday are holidays.
    assert deadline(at(2026, 4, 2, 16, 0), 2, CALENDAR) == at(2026, 4, 7, 9, 0)
    # Corpus Christi (2026-06-04) is a holiday in NRW but not in Berlin.
    assert deadline(at(2026, 6, 3, 17, 0), 1, CALENDAR) == at(2026, 6, 5, 9, 0)
    berlin = WorkingCalendar(state="BE")
    assert deadline(at(2026, 6, 3, 17, 0), 1, berlin) == at(2026, 6, 4, 9, 0)


def test_two_business_days_are_eighteen_hours():
    assert deadline(at(2026, 3, 11, 8, 0), 18, CALENDAR) == at(2026, 3, 12, 17, 0)


def test_a_pause_shifts_the_deadline_by_the_paused_business_time():
    start = at(2026, 3, 9, 9, 0)  # Monday
    pause = (at(2026, 3, 9, 15, 0), at(2026, 3, 10, 10, 0))  # 2 h Monday + 2 h Tuesday

    assert deadline(start, 9, CALENDAR) == at(2026, 3, 10, 9, 0)
    assert deadline(start, 9, CALENDAR, [pause]) == at(2026, 3, 10, 13, 0)


def in_business_hours(moment: datetime) -> bool:
    local = moment.astimezone(BERLIN)
    return CALENDAR.is_working_day(local.date()) and (
        CALENDAR.opens <= local.time() <= CALENDAR.closes
    )


@settings(max_examples=300, deadline=None)
@given(start=moments, seconds=durations)
def test_a_deadline_is_always_inside_business_hours(start, seconds):
    due = add_business_time(start, seconds, CALENDAR)

    assert in_business_hours(due)
    assert due >= start


@settings(max_examples=200, deadline=None)
@given(start=moments, first=durations, second=durations)
def test_adding_more_time_never_gives_an_earlier_deadline(start, first, second):
    low, high = sorted((first, second))

    assert add_business_time(start, low, CALENDAR) <= add_business_time(start, high, CALENDAR)


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments, seconds=durations)
def test_a_later_start_never_gives_an_earlier_deadline(a, b, seconds):
    early, late = sorted((a, b))

    assert add_business_time(early, seconds, CALENDAR) <= add_business_time(late, seconds, CALENDAR)


@settings(max_examples=200, deadline=None)
@given(start=moments, seconds=st.integers(min_value=1, max_value=200 * HOUR))
def test_the_business_time_up_to_the_deadline_is_exactly_the_allowance(start, seconds):
    due = add_business_time(start, seconds, CALENDAR)

    assert abs(business_seconds_between(start, due, CALENDAR) - seconds) < 1e-6


@settings(max_examples=200, deadline=None)
@given(
    start=moments,
    hours=st.integers(min_value=1, max_value=90),
    pause_at=st.floats(min_value=0, max_value=1),
    pause_length=st.integers(min_value=0, max_value=72 * HOUR),
)
def test_a_pause_moves_the_deadline_by_exactly_the_paused_business_time(
    start, hours, pause_at, pause_length
):
    original = deadline(start, hours, CALENDAR)
    pause_start = start + (original - start) * pause_at
    pause = (pause_start, pause_start + timedelta(seconds=pause_length))
    paused = business_seconds_between(*pause, CALENDAR)

    shifted = deadline(start, hours, CALENDAR, [pause])

    assert abs(business_seconds_between(original, shifted, CALENDAR) - paused) < 1e-6
    assert in_business_hours(shifted)


def test_holidays_are_not_working_days():
    all_saints = date(2027, 11, 1)  # a Monday; a holiday in NRW, not in Hamburg

    assert not CALENDAR.is_working_day(date(2026, 12, 25))
    assert not CALENDAR.is_working_day(all_saints)
    assert WorkingCalendar(state="HH").is_working_day(all_saints)
