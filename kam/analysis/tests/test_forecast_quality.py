"""The model card "Wie gut ist die Prognose?" and the forecast's marks on the pages."""

from datetime import date

import numpy as np
import pytest
from django.urls import reverse

from kam.analysis.engine import compute_analysis
from kam.analysis.selectors import analysis_settings_get
from kam.analysis.tests.factories import make_run
from kam.cockpit.tests.factories import make_result
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


def choice_json(alice_account, carol_account) -> dict:
    candidate = {"spearman": 0.8, "top10": 0.7, "total_error": 0.05, "risers": 3.0}
    better = {"spearman": 0.85, "top10": 0.75, "total_error": 0.02, "risers": 9.0}
    chosen = better | {"band_coverage": 0.81, "cutoffs": 2}
    horizon = {
        "ranking": "stack",
        "level": "boosting",
        "naive_chosen": False,
        "backtest_horizons": [12],
        "cutoffs": 2,
        "accounts": 250,
        "candidates": {"naive": candidate, "stack": better, "boosting": better},
        "chosen": chosen,
        "real_risers": 20.0,
    }
    return {
        "horizons": {"12": horizon, "3": horizon | {"ranking": "naive", "level": "naive"}},
        "last_year": [
            {"account_id": a.pk, "forecast_cents": 1_000_000, "actual_cents": 800_000}
            for a in (alice_account, carol_account)
        ],
    }


@pytest.fixture
def card_run(alice, carol):
    mine = AccountFactory(owner=alice, name="Alpha <b>Maschinen</b>")
    theirs = AccountFactory(owner=carol, name="Carols Kunde")
    return make_run(forecast_choice=choice_json(mine, theirs)), mine, theirs


def test_leadership_sees_every_candidate_against_naive_and_the_band_calibration(
    client, leader, card_run
):
    client.force_login(leader)

    page = client.get(reverse("analysis:forecast_quality")).content.decode()

    assert "Wie gut ist die Prognose?" in page
    assert "Kombination aller Modelle" in page and "Naiv: nächste = letzte 12 Monate" in page
    assert "81,0 %" in page  # the band's measured coverage
    assert "Carols Kunde" in page and "Alpha &lt;b&gt;Maschinen&lt;/b&gt;" in page
    assert "Alpha <b>" not in page


def test_a_kam_sees_last_years_forecast_only_for_her_portfolio(client, alice, card_run):
    client.force_login(alice)

    page = client.get(reverse("analysis:forecast_quality")).content.decode()

    assert "Alpha &lt;b&gt;Maschinen&lt;/b&gt;" in page
    assert "Carols Kunde" not in page


def test_a_field_rep_may_not_open_the_model_card(client, bob, card_run):
    client.force_login(bob)
    assert client.get(reverse("analysis:forecast_quality")).status_code == 403


def test_without_a_run_the_card_says_so(client, leader):
    client.force_login(leader)
    page = client.get(reverse("analysis:forecast_quality")).content.decode()
    assert "Noch keine Analyse gelaufen." in page


def test_tomorrows_list_marks_risers_and_gives_reasons(client, leader):
    run = make_run(as_of=date(2025, 6, 30))
    riser = AccountFactory(name="Aufsteiger <script>x</script>")
    make_result(
        run,
        riser,
        revenue=1000,
        forecast_riser=True,
        forecast_new_account=True,
        forecast_reasons=[{"code": "new_account"}, {"code": "buys_less_often", "months": 4}],
    )
    client.force_login(leader)

    page = client.get(reverse("cockpit:tomorrow")).content.decode()

    assert "Aufsteiger" in page and "data-riser" in page
    assert "Neue Kundin/neuer Kunde, wenig Historie: Prognose vorsichtig" in page
    assert "Kauft seit 4 Monaten seltener" in page
    assert "<script>x</script>" not in page


def test_a_run_chooses_its_forecast_by_backtest_and_explains_every_top_account(portfolio):
    outcome = compute_analysis(as_of=date(2025, 6, 30), settings=analysis_settings_get().snapshot())

    prediction = outcome.prediction
    assert prediction is not None
    horizons = prediction.choice["horizons"]
    assert set(horizons) == {"12", "3"}
    # Six accounts are too few to backtest a model: the naive forecast is used.
    assert horizons["12"]["ranking"] == "naive"
    assert np.allclose(outcome.forecast.expected_revenue, outcome.revenue_12m)
    assert all(len(reasons) >= 1 for reasons in prediction.reasons)
    assert len(prediction.expected_3m) == len(outcome.account_ids)


def test_no_growth_rate_for_an_account_without_a_year_of_history():
    run = make_run()
    newcomer = make_result(run, AccountFactory(), revenue=1000, revenue_prev_12m_cents=0)
    assert newcomer.growth is None


def test_a_kam_sees_the_backtest_on_her_own_portfolio_first(client, alice, carol, leader):
    mine = AccountFactory(owner=alice)
    choice = choice_json(mine, AccountFactory(owner=carol))
    own = {"spearman": 0.612, "top10": 0.5, "total_error": 0.04, "risers": 1.0, "cutoffs": 3}
    naive = own | {"spearman": 0.587, "total_error": 0.09}
    choice["horizons"]["12"]["portfolios"] = {
        str(alice.pk): {"chosen": own, "naive": naive, "accounts": 7}
    }
    make_run(forecast_choice=choice)

    client.force_login(alice)
    page = client.get(reverse("analysis:forecast_quality")).content.decode()
    assert "Ihr Portfolio (7 Kunden im Backtest)" in page
    assert "0,612" in page and "0,587" in page
    assert "zu wenige Kunden mit Historie" in page  # the quarter has no figures of her own

    client.force_login(leader)
    page = client.get(reverse("analysis:forecast_quality")).content.decode()
    assert "Ihr Portfolio" not in page and "0,612" not in page


def test_the_portfolio_backtest_uses_only_the_users_accounts():
    from kam.analysis.prediction import portfolio_json
    from kam_analytics.learned.choice import BacktestCut, ForecastChoice

    actual = np.array([100.0, 50, 10, 5, 1, 900, 800, 700, 600, 500])
    forecast = np.array([90.0, 60, 12, 4, 1, 10, 20, 30, 40, 50])  # right on 0-4, wrong on 5-9
    cut = BacktestCut(
        horizon=12,
        rows=np.arange(10),
        actual=actual,
        last_12m=actual,
        forecasts={"naive": actual[::-1].copy(), "stack": forecast},
        levels={"naive": actual.sum(), "stack": forecast.sum()},
    )
    choice = ForecastChoice(12, "stack", "stack", forecast, cuts=[cut])
    mine = np.arange(10) < 5

    result = portfolio_json(choice, {1: mine, 2: np.arange(10) < 3})

    assert set(result) == {"1"}  # three accounts are too few for figures of their own
    assert result["1"]["accounts"] == 5
    assert result["1"]["chosen"]["spearman"] == pytest.approx(1.0)
    assert result["1"]["naive"]["spearman"] == pytest.approx(1.0)  # naive = last 12 months


def test_the_run_knows_the_portfolio_of_every_kam_but_not_of_leadership(alice, carol, leader):
    from kam.analysis.engine import portfolios

    mine, theirs = AccountFactory(owner=alice), AccountFactory(owner=carol)

    result = portfolios(np.array([mine.pk, theirs.pk]))

    assert set(result) == {alice.pk, carol.pk}
    assert result[alice.pk].tolist() == [True, False]
    assert result[carol.pk].tolist() == [False, True]


def test_the_model_explains_the_top_of_the_forecast_and_every_riser(monkeypatch):
    from kam.analysis import prediction

    monkeypatch.setattr(prediction, "MODEL_EXPLAINED", 2)
    forecast = np.array([5.0, 50.0, 1.0, 40.0, 3.0])
    riser = np.array([False, False, False, False, True])
    assert prediction.explained_by_model(forecast, riser).tolist() == [
        False,
        True,
        False,
        True,
        True,
    ]


def test_every_account_gets_its_own_reasons_though_two_threads_word_them_in_chunks(monkeypatch):
    from kam.analysis import prediction
    from kam.analysis.engine import history_in_euros
    from kam.analysis.facts import FactMatrix
    from kam_analytics.learned.explain import WordedReasons
    from kam_analytics.synthetic import simulate_b2b_accounts

    def reasons_naming_the_row(revenue, days, *, rows, **_):
        return WordedReasons([[{"code": f"row {row}"}] for row in rows], np.arange(len(rows)))

    monkeypatch.setattr(prediction, "word_reasons", reasons_naming_the_row)
    simulated = simulate_b2b_accounts(301, 36, seed=4)  # an odd count: halves of unequal size
    revenue = np.round(simulated.monthly_revenue * 100).astype(np.int64)
    facts = FactMatrix(
        account_ids=np.arange(1, 302, dtype=np.int64),
        first_month=date(2023, 1, 1),
        revenue_cents=revenue,
        margin_cents=revenue // 4,
        purchase_days=simulated.monthly_purchase_days.astype(np.int64),
        first_position=np.zeros(301),
        last_purchase=np.full(301, np.datetime64("2025-12-15")),
    )
    result = prediction.predict_accounts(facts, history_in_euros(facts))

    assert result.reasons == [[{"code": f"row {row}"}] for row in range(301)]
    # ... and the JSON each account's result stores, encoded in the same threads.
    assert result.reasons_json == [f'[{{"code": "row {row}"}}]' for row in range(301)]


def test_the_card_shows_the_errors_of_the_sum_the_total_was_chosen_on(client, leader):
    """Two cuts, one of them fit to judge the totals: the drift mean won there (2 % off against
    naive's 6 %); over both cuts it would read 11 % against naive's 3.5 %."""
    from kam.analysis.prediction import horizon_json
    from kam_analytics.learned import choice
    from kam_analytics.tests.cuts import ranked_cut

    cuts = [ranked_cut(24, 94.0, 98.0), ranked_cut(18, 99.0, 80.0)]
    mean = choice.DRIFT_MEAN_LEVEL
    forecast = choice.ForecastChoice(
        12,
        "naive",
        mean,
        np.ones(10),
        choice.score_cuts(cuts),
        cuts=cuts,
        chosen=choice.chosen_score(cuts, "naive", mean),
    )
    make_run(forecast_choice={"horizons": {"12": horizon_json(forecast)}, "last_year": []})
    client.force_login(leader)

    page = client.get(reverse("analysis:forecast_quality")).content.decode()

    chosen = page[page.index("data-chosen") : page.index("data-band-coverage")]
    assert "2,0 %" in chosen and "6,0 %" in chosen
    assert "11,0 %" not in page and "3,5 %" not in page
    assert "Fehler der Summe an 1 von 2 Stichtagen beurteilt" in page


def test_a_run_stored_before_the_totals_were_judged_apart_shows_no_count_of_them(
    client, leader, card_run
):
    client.force_login(leader)
    page = client.get(reverse("analysis:forecast_quality")).content.decode()
    assert "data-total-cutoffs" not in page and "Kombination aller Modelle" in page


def test_a_portfolios_error_of_the_sum_is_that_of_the_cuts_that_judged_the_totals():
    from kam.analysis.prediction import portfolio_json
    from kam_analytics.learned import choice
    from kam_analytics.tests.cuts import ranked_cut

    cuts = [ranked_cut(24, 94.0, 98.0), ranked_cut(18, 99.0, 80.0)]
    forecast = choice.ForecastChoice(12, "naive", choice.DRIFT_MEAN_LEVEL, np.ones(10), cuts=cuts)

    mine = portfolio_json(forecast, {1: np.ones(10, dtype=bool)})["1"]["chosen"]

    assert mine["total_error"] == pytest.approx(0.02)  # 0.11 over both cuts
    assert (mine["cutoffs"], mine["total_cutoffs"]) == (2, 1)
