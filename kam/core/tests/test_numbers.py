"""Numbers as people expect: rounded half up on every page and in every export, with the same
result in both; thousands separators (#15)."""

import io
from decimal import Decimal

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kam.core import exports
from kam.core.money import percent_points, round_half_up
from kam.core.templatetags.kam import money, number, percent

FRACTIONS = st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False)
AMOUNTS = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)


def test_halves_are_rounded_up_as_people_do():
    assert percent_points(0.1138) == Decimal("11.4")
    assert percent_points(Decimal("0.1125")) == Decimal("11.3")  # half-even would say 11.2
    assert round_half_up(1.005, 2) == Decimal("1.01")  # the float's decimal spelling counts
    assert round_half_up(Decimal("-2.5")) == Decimal("-3")
    assert str(round_half_up(Decimal("-0.001"), 2)) == "0.00"


def test_the_pages_round_half_up():
    with translation.override("de"):
        assert percent(0.1138) == "11,4 %"
        assert money(Decimal("1.239")) == "1,24 €"
        assert money(Decimal("1.235")) == "1,24 €"
        assert percent(0.1125) == "11,3 %"


def test_counts_have_thousands_separators():
    with translation.override("de"):
        assert number(134188) == "134.188"
        assert money(Decimal("1234567.5"), 0) == "1.234.568 €"
    with translation.override("en"):
        assert number(134188) == "134,188"
    assert number(None) == "–"


def _exported(columns, row):
    """The row as the CSV and as the XLSX file have it."""
    csv_text = exports.csv(columns, [row]).decode("utf-8-sig").splitlines()[1]
    sheet = load_workbook(io.BytesIO(exports.xlsx(columns, [row], title="t"))).active
    return csv_text.split(";"), [cell.value for cell in sheet[2]]


@settings(max_examples=60, deadline=None)
@given(fraction=FRACTIONS, amount=AMOUNTS)
def test_screen_and_export_agree(fraction, amount):
    columns = [
        exports.Column("Growth", lambda r: r[0], exports.PERCENT),
        exports.Column("Revenue", lambda r: r[1], exports.EUR),
    ]
    (csv_percent, csv_amount), (xlsx_percent, xlsx_amount) = _exported(columns, (fraction, amount))

    with translation.override("de"):
        on_screen_percent = percent(fraction).removesuffix(" %").replace(".", "")
        on_screen_amount = money(amount).removesuffix(" €").replace(".", "")
    assert csv_percent == on_screen_percent
    assert csv_amount == on_screen_amount
    assert f"{Decimal(str(xlsx_percent)) * 100:.1f}".replace(".", ",") == on_screen_percent
    assert f"{Decimal(str(xlsx_amount)):.2f}".replace(".", ",") == on_screen_amount
