"""The analysis of a hand-checkable portfolio: classes, shares, alerts, forecasts."""

import pytest

from kam.analysis.services import analysis_compute
from kam.analysis.tests.conftest import AS_OF, LAST


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


def test_shares_and_concentration(outcome, portfolio):
    share = {
        name: round(float(outcome.share_revenue[by_number(outcome, portfolio, name)]), 4)
        for name in ("big", "second", "third", "fourth")
    }

    assert share == {"big": 0.5714, "second": 0.2857, "third": 0.0952, "fourth": 0.0476}
    assert outcome.concentration["revenue"]["top1_share"] == pytest.approx(600 / 1050)
    assert outcome.concentration["revenue"]["top5_share"] == pytest.approx(1.0)


def test_dependency_alerts_include_the_group_over_any_depth(outcome, portfolio):
    alerts = [(a.kind, a.subject, a.measure) for a in outcome.alerts]
    holding = str(portfolio["holding"].pk)

    assert ("account", str(portfolio["big"].pk), "revenue") in alerts
    assert ("account", str(portfolio["second"].pk), "revenue") in alerts
    assert ("account", str(portfolio["third"].pk), "revenue") not in alerts  # 9.5 % ≤ 10 %
    assert ("group", holding, "revenue") in alerts  # third + fourth: 14.3 %
    assert ("account", str(portfolio["third"].pk), "margin") in alerts  # 18.6 % > 15 %
    assert ("top5", "top5", "revenue") in alerts


def test_configured_thresholds_change_classes_and_alerts(portfolio):
    from kam.analysis.services import analysis_settings_update

    analysis_settings_update(data={"abc_a_limit": 50, "dependency_revenue": 60})

    outcome = analysis_compute(as_of=AS_OF)

    second = by_number(outcome, portfolio, "second")
    assert outcome.abc_revenue[second] == "B"  # 57 % before it is above the A limit of 50 %
    assert not [a for a in outcome.alerts if a.kind == "account" and a.measure == "revenue"]


def test_the_stopped_account_is_forecast_at_zero(outcome, portfolio):
    stopped = by_number(outcome, portfolio, "stopped")

    assert outcome.forecast.expected_revenue[stopped] == 0
    assert outcome.rank_today[stopped] == 5


def test_growing_account_ranks_by_its_forecast(outcome, portfolio):
    big = by_number(outcome, portfolio, "big")

    assert outcome.forecast.rank[big] == 1
    assert outcome.forecast.expected_revenue[big] > 0


def test_no_facts_means_nothing_to_analyse(db):
    from kam.analysis.engine import NoFactsError

    with pytest.raises(NoFactsError):
        analysis_compute(as_of=AS_OF)


def test_sales_after_the_as_of_month_are_ignored(portfolio):
    from datetime import date

    outcome = analysis_compute(as_of=date(2025, 6, 29))  # June is not complete yet

    big = by_number(outcome, portfolio, "big")
    assert outcome.revenue_12m[big] == 600_000 * 100  # July 2024 is still in, June 2025 out
    assert outcome.facts.last_month == date(2025, 5, 1)


def test_complaints_of_the_last_twelve_months_lower_the_score(portfolio):
    from datetime import datetime, time

    from django.utils import timezone

    from kam.complaints.tests.factories import make_complaint

    before = analysis_compute(as_of=AS_OF)
    received = timezone.make_aware(datetime.combine(AS_OF, time(10)))
    for _ in range(3):
        make_complaint(portfolio["second"], received_at=received)

    after = analysis_compute(as_of=AS_OF)

    row = by_number(after, portfolio, "second")
    assert after.score[row] < before.score[row]


def test_a_weighted_profitability_moves_the_score_by_what_is_left_per_euro(portfolio):
    from datetime import date

    from kam.analysis.selectors import analysis_settings_get
    from kam.profitability.models import AccountStatement

    def statement(name, month, revenue, db4):
        AccountStatement.objects.create(
            account=portfolio[name], month=month, revenue_cents=revenue, db4_cents=db4
        )

    unweighted = analysis_compute(as_of=AS_OF)
    settings = analysis_settings_get()
    settings.weight_profitability = 30
    settings.save()
    before = analysis_compute(as_of=AS_OF)
    statement("big", LAST, 5_000_000, -1_000_000)  # destroys 20 ct of every euro
    statement("second", LAST, 2_000_000, 500_000)  # keeps 25 ct
    statement("third", date(2024, 6, 1), 1_000_000, 900_000)  # outside the 12 months

    after = analysis_compute(as_of=AS_OF)

    big, second = by_number(after, portfolio, "big"), by_number(after, portfolio, "second")
    assert after.score[big] < before.score[big]
    assert after.score[second] > before.score[second]
    settings.weight_profitability = 0
    settings.save()
    assert analysis_compute(as_of=AS_OF).score.tolist() == pytest.approx(unweighted.score.tolist())
    # "third" has no statement in the 12 months: its profitability is unknown, not a DB IV of
    # 0 %, so the weight is spread over its other criteria and its score stays as unweighted
    third = by_number(after, portfolio, "third")
    assert after.score[third] == pytest.approx(unweighted.score[third])
