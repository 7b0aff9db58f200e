"""Types shared by the JSON API's schemas.

Money leaves kam as a decimal string with two places ("1234.56", "-12.50"): exact, unlike a
binary float, and the same amount the pages and exports show. The OpenAPI schema says so.
"""

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

from kam.core.money import cents_to_decimal

MONEY_PATTERN = r"^-?\d+\.\d{2}$"


def _two_places(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def _two_places_type(example: str, description: str):
    """A Decimal that leaves the API as a decimal string with two places, documented so."""
    schema = {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN}
    return Annotated[
        Decimal,
        PlainSerializer(_two_places, return_type=str),
        WithJsonSchema(schema | {"examples": [example], "description": description}),
    ]


Money = _two_places_type(
    "1234.56", "An amount in the company currency as a decimal string, two places."
)
#: Hours with two places (a complaint's handling effort), a decimal string like Money.
Hours = _two_places_type("2.50", "Hours as a decimal string, two places.")


def money(cents: int | None) -> Decimal | None:
    """Integer cents as the amount an API field of type `Money` sends."""
    return cents_to_decimal(cents)
