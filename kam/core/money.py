"""Money is stored as integer cents; these turn it into euros for pages, exports and files.

No Django here: the benchmarks use it before Django is set up."""

from decimal import Decimal


def cents_to_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def german_amount(cents: int) -> str:
    """123456 → '1.234,56', -1250 → '-12,50': how German ERP exports write amounts."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d}"
