from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kam.core.money import cents_to_decimal, german_amount
from kam.sales.reading.numbers import parse_cents


def test_cents_become_euros_exactly():
    assert cents_to_decimal(123456) == Decimal("1234.56")
    assert cents_to_decimal(-5) == Decimal("-0.05")
    assert cents_to_decimal(None) is None


def test_german_amounts_are_written_like_an_erp_export():
    assert german_amount(123456789) == "1.234.567,89"
    assert german_amount(-1250) == "-12,50"


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_the_importer_reads_back_every_amount_the_demo_writes(cents):
    assert parse_cents(german_amount(cents), "de") == cents
