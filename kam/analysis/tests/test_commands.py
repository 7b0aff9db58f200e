"""kam analyze, kam analyze-nightly and kam backtest as an administrator runs them."""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.analysis.models import AnalysisRun, RunTrigger
from kam.analysis.tests.factories import add_facts, months_ending
from kam.testing.factories import AccountFactory


def analyze(*args) -> str:
    out = io.StringIO()
    call_command("analyze", *args, stdout=out)
    return out.getvalue()


def test_json_has_the_documented_shape(portfolio):
    data = json.loads(analyze("--as-of", "2025-06-30", "--format", "json"))

    assert list(data) == ["as_of", "currency", "totals", "concentration", "alerts", "accounts"]
    assert data["as_of"] == "2025-06-30" and data["currency"] == "EUR"
    assert data["totals"] == {"revenue_12m": 1_050_000.0, "margin_12m": 215_000.0}
    assert set(data["concentration"]) == {"top1_share", "top5_share", "top10_share", "hhi", "gini"}
    assert data["concentration"]["top1_share"] == pytest.approx(0.571429, abs=1e-6)
    first = data["accounts"][0]
    assert list(first) == [
        "number",
        "name",
        "revenue_12m",
        "margin_12m",
        "abc_revenue",
        "abc_margin",
        "xyz",
        "p_alive",
        "expected_revenue_12m",
        "clv_12m",
        "score",
        "rank_tomorrow",
        "status_proposal",
    ]
    assert (first["number"], first["revenue_12m"], first["abc_revenue"]) == (
        "10001",
        600_000.0,
        "A",
    )
    assert [a["number"] for a in data["accounts"]][-1] == "10005"  # stopped buying, still listed


def test_json_alerts_name_accounts_and_groups(portfolio):
    alerts = json.loads(analyze("--as-of", "2025-06-30", "--format", "json", "--no-store"))[
        "alerts"
    ]

    assert {
        "kind": "dependency",
        "account": "10001",
        "measure": "revenue",
        "share": 0.571429,
        "threshold": 0.1,
    } in alerts
    group = [a for a in alerts if a.get("group")]
    assert {(a["account"], a["measure"]) for a in group} == {
        ("90000", "revenue"),
        ("90000", "margin"),
    }
    assert {a["kind"] for a in alerts} == {"dependency", "top5"}


def test_no_store_stores_nothing_and_store_stores_a_run(portfolio):
    analyze("--as-of", "2025-06-30", "--no-store")
    assert not AnalysisRun.objects.exists()

    analyze("--as-of", "2025-06-30")
    assert AnalysisRun.objects.get().trigger == RunTrigger.CLI


def test_table_lists_every_account(portfolio):
    table = analyze("--as-of", "2025-06-30", "--no-store")

    assert all(number in table for number in ("10001", "10002", "10003", "10004", "10005"))


def test_a_bad_date_is_named_in_german(db):
    with pytest.raises(CommandError, match="--as-of: 30.06.2025 ist kein Datum"):
        analyze("--as-of", "30.06.2025")


def test_without_sales_there_is_nothing_to_analyse(db):
    with pytest.raises(CommandError, match="Keine Umsätze"):
        analyze("--as-of", "2025-06-30")


def test_nightly_stores_a_run_of_today(portfolio, time_machine):
    time_machine.move_to("2025-07-01 02:30 +02:00")

    call_command("analyze-nightly", stdout=io.StringIO())

    run = AnalysisRun.objects.get()
    assert (run.as_of, run.trigger) == (date(2025, 7, 1), RunTrigger.NIGHTLY)


def _growing_portfolio(n: int = 60) -> None:
    """A simulated B2B portfolio (growers, decliners, churners) over 36 months to June 2025."""
    from kam_analytics.synthetic import simulate_b2b_accounts

    portfolio = simulate_b2b_accounts(n, 36, seed=7)
    for i in range(n):
        account = AccountFactory(customer_number=f"3{i:04d}")
        values = [round(v) for v in portfolio.monthly_revenue[i]]
        add_facts(account, months_ending(date(2025, 6, 1), values))


def test_backtest_prints_model_and_naive_figures(db):
    _growing_portfolio()
    out = io.StringIO()

    call_command("backtest", "--cutoff", "2024-07-01", stdout=out)

    text = out.getvalue()
    assert "Modell" in text and "naiv" in text
    for label in ("Spearman", "Top 10 Prozent", "Gesamtfehler"):
        line = next(line for line in text.splitlines() if label in line)
        assert len([float(x) for x in line.split()[-2:]]) == 2


def test_backtest_refuses_a_cutoff_without_enough_later_data(db):
    _growing_portfolio(5)

    with pytest.raises(CommandError, match="--cutoff"):
        call_command("backtest", "--cutoff", "2025-01-01", stdout=io.StringIO())
