"""Property tests for amounts and dates, and the block path agreeing with the exact parsers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.sales.reading.columns import AmountColumn, DateColumn
from kam.sales.reading.dates import DateError, parse_date
from kam.sales.reading.numbers import (
    NumberError,
    detect_number_style,
    parse_cents,
    parse_decimal,
)

AMOUNTS = st.decimals(
    min_value=Decimal("-999999999.99"),
    max_value=Decimal("999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
DATES = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2099, 12, 31))


def german(amount: Decimal, *, grouped: bool) -> str:
    english = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    return english.replace(",", "_").replace(".", ",").replace("_", ".")


def english(amount: Decimal, *, grouped: bool) -> str:
    return f"{amount:,.2f}" if grouped else f"{amount:.2f}"


def cents(amount: Decimal) -> int:
    return int(amount * 100)


@given(AMOUNTS, st.booleans())
def test_german_amounts_read_back_exactly(amount, grouped):
    assert parse_cents(german(amount, grouped=grouped), "de") == cents(amount)


@given(AMOUNTS, st.booleans())
def test_english_amounts_read_back_exactly(amount, grouped):
    assert parse_cents(english(amount, grouped=grouped), "en") == cents(amount)


@given(st.lists(st.tuples(AMOUNTS, st.booleans(), st.sampled_from(["", "-", "€", "pad"]))))
def test_block_path_agrees_with_the_exact_parser(items):
    written = []
    for amount, grouped, decoration in items:
        text = german(amount, grouped=grouped)
        if decoration == "-" and amount > 0:
            text += "-"
        elif decoration == "€":
            text += " €"
        elif decoration == "pad":
            text = f" {text} "
        written.append(text)

    converted, errors = AmountColumn("de").convert(written, required=True)

    assert errors == {}
    assert converted == [parse_cents(text, "de") for text in written]


@given(
    st.lists(
        st.one_of(
            st.from_regex(r"-?[0-9]{1,4}([.,][0-9]{1,3}){0,2}-?", fullmatch=True),
            st.sampled_from(["", " ", "abc", "0,0", "-0,05", "007,50", "1.234", "12,3,4"]),
        ),
        max_size=30,
    ),
    st.sampled_from(["de", "en"]),
)
def test_block_path_agrees_with_the_exact_parser_on_odd_input(written, style):
    converted, errors = AmountColumn(style).convert(written, required=False)

    for i, text in enumerate(written):
        try:
            expected: int | None = parse_cents(text, style)
        except NumberError as exc:
            assert converted[i] is None
            assert errors.get(i) == (None if exc.code == "missing_value" else exc.code)
        else:
            assert (converted[i], errors.get(i)) == (expected, None)


@given(DATES, st.sampled_from(["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y 00:00:00"]))
def test_dates_read_back(date, pattern):
    assert parse_date(date.strftime(pattern), pivot=35) == date


@given(st.dates(min_value=datetime.date(1936, 1, 1), max_value=datetime.date(2035, 12, 31)))
def test_two_digit_years_within_the_pivot_window_read_back(date):
    assert parse_date(date.strftime("%d.%m.%y"), pivot=35) == date


def test_date_column_caches_and_reports_each_bad_value():
    column = DateColumn(pivot=35)

    dates, errors = column.convert(["01.01.2025", "31.02.2025", "01.01.2025", ""], required=True)
    again, errors_again = column.convert(["31.02.2025", "01.01.2025"], required=True)

    assert dates[0] == dates[2] == again[1] == datetime.date(2025, 1, 1)
    assert errors == {1: "date_impossible", 3: "missing_value"}
    assert errors_again == {0: "date_impossible"}


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("29.02.2025", "date_impossible"),
        ("31.04.2025", "date_impossible"),
        ("1.13.2025", "date_impossible"),
        ("12/31/2025", "date_unknown_format"),
        ("31-12-2025", "date_unknown_format"),
        ("2025.12.31", "date_unknown_format"),
        ("Dezember 2025", "date_unknown_format"),
        ("31.12.9999", "date_out_of_range"),
    ],
)
def test_bad_dates(written, code):
    with pytest.raises(DateError) as error:
        parse_date(written, pivot=35)
    assert error.value.code == code


def test_leap_day_is_a_date():
    assert parse_date("29.02.2024", pivot=35) == datetime.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("values", "style"),
    [
        (["1.234,56", "12"], "de"),
        (["1,234.56", "12"], "en"),
        (["12,5", "1,234"], "de"),
        (["12.5", "1.234"], "en"),
        (["1,234", "2,345"], "de"),  # Ambiguous: German is the default.
        (["1.234.567"], "de"),
        (["1,234,567"], "en"),
        (["EUR 1.234,56-"], "de"),
    ],
)
def test_number_style_is_detected_from_the_values(values, style):
    assert detect_number_style(values) == style


@pytest.mark.parametrize(
    ("written", "expected"),
    [("1.000,5", Decimal("1000.5")), ("-2", Decimal("-2")), ("0,125", Decimal("0.125"))],
)
def test_quantities_are_exact_decimals(written, expected):
    assert parse_decimal(written, "de") == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1 234,56", 123456),
        ("1\u00a0234,56", 123456),
        ("(12,50)", -1250),
        ("+12,50", 1250),
        ("−12,50", -1250),
        (",5", 50),
    ],
)
def test_tolerated_spellings(written, expected):
    assert parse_cents(written, "de") == expected
