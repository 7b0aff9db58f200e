"""The analysis of a hand-checkable portfolio: classes, shares, alerts, forecasts."""

import pytest

from kam.analysis.services import analysis_compute
from kam.analysis.tests.conftest import AS_OF


@pytest.fixture
def outcome(portfolio):
    return analysis_compute(as_of=AS_OF)


def by_number(outcome, portfolio, name):
    return list(outcome.account_ids).index(portfolio[name].pk)


def test_every_account_that_ever_bought_is_analysed(outcome, portfolio):
    analysed = set(outcome.account_ids.tolist())

    assert analysed == {portfolio[n].pk for n in ("big", "second", "third", "fourth", "stopped")}


def test_trailing_twelve_months_and_abc_classes(outcome, portfolio):
    figures = {
        name: (
            int(outcome.revenue_12m[row]) // 100,
            str(outcome.abc_revenue[row]),
            str(outcome.abc_margin[row]),
            str(outcome.xyz[row]),
        )
        for name in ("big", "second", "third", "fourth", "stopped")
        for row in [by_number(outcome, portfolio, name)]
    }

    assert figures == {
        "big": (600_000, "A", "A", "X"),
        "second": (300_000, "A", "A", "X"),
        "third": (100_000, "B", "A", "Y"),
        "fourth": (50_000, "C", "B", "Z"),
        "stopped": (0, "C", "C", "Z"),
    }
