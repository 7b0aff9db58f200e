import pytest

from kam.cockpit.tests.factories import analysed_portfolio
from kam.testing.factories import AccountFactory


@pytest.fixture
def portfolio(alice, carol):
    """Alice's three accounts and carol's two, analysed; carol's biggest is the largest."""
    accounts = [
        AccountFactory(owner=carol, name="Carol Groß AG"),
        AccountFactory(owner=alice, name="Alpha Maschinen"),
        AccountFactory(owner=alice, name="Beta Logistik"),
        AccountFactory(owner=carol, name="Carol Klein KG"),
        AccountFactory(owner=alice, name="Gamma Handel"),
    ]
    run, results = analysed_portfolio(
        accounts, revenues=[400_000, 300_000, 200_000, 60_000, 40_000]
    )
    return {"run": run, "accounts": accounts, "results": results}
