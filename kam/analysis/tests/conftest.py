from datetime import date

import pytest

from kam.analysis.tests.factories import add_facts, months_ending
from kam.testing.factories import AccountFactory

AS_OF = date(2025, 6, 30)
LAST = date(2025, 6, 1)


@pytest.fixture
def portfolio(alice, carol):
    """Five accounts with hand-checkable figures for the 12 months July 2024 – June 2025.

    revenue 12 months: big 600,000 (X), second 300,000 (X), third 100,000 (8 of 12 months: Y),
    fourth 50,000 (5 of 12 months: Z), stopped 0 (bought in the first half of 2023 only).
    third and fourth belong to the group of `holding` (no sales): holding > third > fourth.
    margin rates: 10 %, 30 %, 40 %, 50 %.
    """
    holding = AccountFactory(owner=alice, customer_number="90000", name="Holding")
    third = AccountFactory(owner=alice, customer_number="10003", name="Third", parent=holding)
    accounts = {
        "big": AccountFactory(owner=alice, customer_number="10001", name="Big"),
        "second": AccountFactory(owner=carol, customer_number="10002", name="Second"),
        "third": third,
        "fourth": AccountFactory(owner=alice, customer_number="10004", name="Fourth", parent=third),
        "stopped": AccountFactory(owner=alice, customer_number="10005", name="Stopped"),
        "holding": holding,
    }
    add_facts(accounts["big"], months_ending(LAST, [50_000] * 24), margin_rate=0.10)
    add_facts(
        accounts["second"], months_ending(LAST, [20_000] * 12 + [25_000] * 12), margin_rate=0.30
    )
    add_facts(accounts["third"], months_ending(LAST, [12_500, 12_500, 0] * 4), margin_rate=0.40)
    add_facts(
        accounts["fourth"],
        months_ending(LAST, [10_000, 0, 0] * 3 + [10_000, 10_000, 0]),
        margin_rate=0.50,
    )
    add_facts(accounts["stopped"], months_ending(date(2023, 6, 1), [10_000] * 6))
    return accounts
