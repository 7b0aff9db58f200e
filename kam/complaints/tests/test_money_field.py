"""Amounts typed as people type them: the grouping of thousands is never read as decimals."""

from decimal import Decimal

import pytest
from django.utils import translation

from kam.complaints.forms import MoneyField


@pytest.mark.parametrize(
    ("language", "typed", "amount"),
    [
        ("de", "1.000", "1000"),
        ("de", "12.500", "12500"),
        ("de", "1.234.567", "1234567"),
        ("de", "1.234,50", "1234.50"),
        ("de", "1,5", "1.5"),
        ("de", "2.5", "2.5"),  # a browser's or an English decimal point stays one
        ("de", "1234.50", "1234.50"),
        ("de", "1,000", "1.000"),  # German: one comma is the decimal comma
        ("en", "1,000", "1000"),
        ("en", "1,234,567", "1234567"),
        ("en", "1,234.50", "1234.50"),
        ("en", "1.000", "1.000"),
        ("en", "2,5", "2.5"),
        ("de", "€ 1.000", "1000"),
    ],
)
def test_thousands_are_read_as_the_reader_writes_them(language, typed, amount):
    with translation.override(language):
        assert MoneyField(required=False).to_python(typed) == Decimal(amount)
