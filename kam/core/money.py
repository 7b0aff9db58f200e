"""Money is stored as integer cents; these turn it into euros for pages, exports and files.

No Django here: the benchmarks use it before Django is set up."""

from decimal import ROUND_HALF_UP, Decimal


def cents_to_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def german_amount(cents: int) -> str:
    """123456 → '1.234,56', -1250 → '-12,50': how German ERP exports write amounts."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d}"


def round_half_up(value, places: int = 0) -> Decimal:
    """`value` rounded half up (away from zero at the half) to `places` decimals, as people and
    spreadsheets round: 11.25 → 11.3, 1.005 → 1.01. A float is taken at its shortest decimal
    spelling (`str`), so 1.005 is 1.005, not the binary 1.00499…; pages, charts (kam/core/static/
    kam/charts.js rounds the same way) and exports all round through here."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = exact.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # -0.001 shows as 0,00, not -0,00


def percent_points(fraction, places: int = 1) -> Decimal | None:
    """A fraction (0.1138) as rounded percentage points (11.4), None stays None."""
    if fraction is None:
        return None
    exact = fraction if isinstance(fraction, Decimal) else Decimal(str(fraction))
    return round_half_up(exact * 100, places)
