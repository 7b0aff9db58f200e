"""The learned forecast: no look-ahead, out-of-time training, model choice with a naive fallback."""

import subprocess
import sys
from dataclasses import astuple

import numpy as np
import pytest

from kam_analytics.learned import choice
from kam_analytics.learned.choice import (
    NAIVE,
    CandidateScore,
    backtest_plan,
    choose_forecast,
    pick_level,
    pick_ranking,
)
from kam_analytics.learned.features import FEATURE_NAMES, account_features
from kam_analytics.learned.model import fit_learned, training_origins
from kam_analytics.synthetic import simulate_b2b_accounts
from kam_analytics.tests.cuts import ranked_cut

pytest.importorskip("lightgbm")


def portfolio(n=400, months=36, seed=1):
    simulated = simulate_b2b_accounts(n, months, seed=seed)
    return simulated.monthly_revenue, simulated.monthly_purchase_days


def test_features_of_an_origin_ignore_every_later_month():
    revenue, days = portfolio()
    before = account_features(revenue, days, 24, 12)
    future = revenue.copy()
    future[:, 24:] *= 1000
    assert np.array_equal(account_features(future, days, 24, 12), before)
    assert before.shape == (400, len(FEATURE_NAMES))


def test_training_targets_end_before_the_origin_the_model_is_applied_at():
    origins = training_origins(36, 12)
    assert origins and max(origins) + 12 <= 36
    earlier = training_origins(36, 12, latest=24)
    assert earlier and all(o + 12 <= 24 for o in earlier)


def test_a_portfolio_too_short_to_train_on_gives_no_model():
    revenue, days = portfolio(months=8)
    assert fit_learned(revenue, days, horizon=12) is None


def test_accounts_without_any_purchase_are_forecast_at_zero():
    revenue, days = portfolio()
    revenue[:5, :], days[:5, :] = 0, 0
    model = fit_learned(revenue, days, horizon=12)
    assert model is not None
    forecast = model.predict(revenue, days, revenue.shape[1])
    assert np.all(forecast[:5] == 0) and np.all(forecast >= 0)


def test_the_ranking_falls_back_to_naive_when_no_candidate_beats_it_on_rank_and_top():
    naive = CandidateScore(0.8, 0.7, 0.05, 1)
    scores = {
        NAIVE: naive,
        "better_rank_worse_top": CandidateScore(0.9, 0.6, 0.01, 1),
        "better_top_worse_rank": CandidateScore(0.7, 0.8, 0.01, 1),
    }
    assert pick_ranking(scores) == NAIVE
    scores["wins"] = CandidateScore(0.85, 0.7, 0.2, 1)
    assert pick_ranking(scores) == "wins"


def test_the_level_is_the_estimate_with_the_smallest_error_of_the_sum_naive_on_ties():
    scores = {NAIVE: CandidateScore(0.8, 0.7, 0.05, 1), "other": CandidateScore(0.9, 0.9, 0.05, 1)}
    assert pick_level(scores) == NAIVE
    scores["closer"] = CandidateScore(0.1, 0.1, 0.01, 1)
    assert pick_level(scores) == "closer"
    assert pick_level({}) == NAIVE


def test_choose_forecast_is_naive_when_every_candidate_loses(monkeypatch):
    revenue, days = portfolio()

    def losing(revenue, days, horizon, classic_12m=None):
        noise = np.random.default_rng(0).random(len(revenue)) * 1e9
        return {NAIVE: choice.naive(revenue, days, horizon), "noise": noise}, None

    monkeypatch.setattr(choice, "candidate_forecasts", losing)
    monkeypatch.setattr(choice, "drift_levels", lambda revenue, horizon: {"drift": 1e12})
    result = choose_forecast(revenue, days, horizon=12)
    assert (result.ranking, result.level) == (NAIVE, NAIVE)
    assert np.allclose(result.forecast, revenue[:, -12:].sum(axis=1))
    assert result.scores["noise"].spearman < result.scores[NAIVE].spearman


def test_choose_forecast_scales_the_winning_ranking_to_the_winning_level():
    revenue, days = portfolio()
    result = choose_forecast(revenue, days, horizon=3)
    assert {NAIVE, choice.CLASSIC, choice.LEARNED} <= set(result.scores)
    assert all(s.cutoffs == len(backtest_plan(36, 3)) for s in result.scores.values())
    assert result.forecast.shape == (400,) and np.all(result.forecast >= 0)
    forecasts, model = choice.candidate_forecasts(revenue, days, 3)
    level = choice.level_estimates(forecasts, model, revenue, 3)[result.level]
    assert result.forecast.sum() == pytest.approx(level, rel=1e-6)


def test_a_short_history_is_backtested_over_a_shorter_horizon():
    assert backtest_plan(36, 12) == [(24, 12), (18, 12)]
    assert backtest_plan(48, 12) == [(36, 12), (30, 12), (24, 12)]
    assert backtest_plan(12, 6) == [(9, 3)]
    assert backtest_plan(4, 6) == []


def test_the_learned_package_imports_no_django():
    code = (
        "import sys, kam_analytics.learned.choice, kam_analytics.learned.model,"
        " kam_analytics.learned.explain, kam_analytics.learned.adjust;"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_the_drift_level_corrects_naive_by_how_last_years_naive_turned_out():
    # Two accounts buying 100 a month for two years, then 150: last year's naive forecast
    # (made 12 months back, 1,200 each) turned out 1,800, so the drift level is naive × 1.5.
    revenue = np.hstack([np.full((2, 24), 100.0), np.full((2, 12), 150.0)])
    assert choice.persistence_ratio(revenue, 24, 12) == pytest.approx(1.5)
    levels = choice.drift_levels(revenue, 12)
    assert levels[choice.DRIFT_LEVEL] == pytest.approx(2 * 1800 * 1.5)
    assert choice.SEASONAL_LEVEL not in levels  # only for horizons shorter than a year


def test_the_seasonal_drift_level_uses_the_same_months_last_year():
    # Each year the first quarter sells 4× the monthly average of the year before it.
    year = np.array([400.0] * 3 + [100.0] * 9)
    revenue = np.tile(np.hstack([year, year, year]), (3, 1))
    levels = choice.drift_levels(revenue, 3)
    naive_quarter = 3 * year.sum() * 3 / 12
    assert levels[choice.SEASONAL_LEVEL] == pytest.approx(naive_quarter * 1200 / (year.sum() / 4))


def score(spearman, top, total):
    return CandidateScore(spearman, top, total, cutoffs=1)


def test_a_short_history_takes_the_mean_level_unless_it_lost_to_naive():
    scores = {NAIVE: score(0.5, 0.5, 0.30), choice.SHORT_HISTORY_LEVEL: score(0, 0, 0.10)}
    assert pick_level(scores, full_horizon=False) == choice.SHORT_HISTORY_LEVEL
    scores[choice.SHORT_HISTORY_LEVEL] = score(0, 0, 0.40)
    assert pick_level(scores, full_horizon=False) == NAIVE
    scores["x"] = score(0, 0, 0.01)  # a better level over the shorter horizon does not count
    assert pick_level(scores, full_horizon=False) == NAIVE


def test_of_the_rankings_that_beat_naive_the_best_rank_correlation_wins():
    # A top 10 % of a few hundred accounts is noise; the rank over all of them decides.
    scores = {
        NAIVE: score(0.78, 0.70, 0.3),
        "lucky_top": score(0.79, 0.76, 0.3),
        "better_rank": score(0.81, 0.71, 0.3),
    }
    assert pick_ranking(scores) == "better_rank"
    scores["worse_than_naive"] = score(0.85, 0.60, 0.3)
    assert pick_ranking(scores) == "better_rank"


def test_a_ranking_wins_on_rank_and_top_group_together():
    scores = {NAIVE: score(0.73, 0.69, 0.3), "stack": score(0.72, 0.72, 0.3)}
    assert pick_ranking(scores) == "stack"
    scores["stack"] = score(0.72, 0.69, 0.3)
    assert pick_ranking(scores) == NAIVE


def test_the_mean_level_is_not_a_candidate_when_the_full_horizon_was_backtested():
    scores = {NAIVE: score(0.5, 0.5, 0.30), choice.SHORT_HISTORY_LEVEL: score(0, 0, 0.01)}
    assert pick_level(scores, full_horizon=True) == NAIVE


def level_cut(cut, actual, levels):
    """A backtest cut of one account whose totals are `levels` (no ranking figures needed)."""
    return choice.BacktestCut(
        horizon=12,
        rows=np.arange(1),
        actual=np.array([actual]),
        last_12m=np.array([actual]),
        forecasts={},
        levels=levels,
        cut=cut,
    )


def test_a_cut_whose_models_learned_from_less_than_a_horizon_does_not_judge_the_totals():
    # 36 months, the year: at the cut 24 months in, the models learned from 12 months before
    # their latest origin, as today; at 18 from 6 (and the drift compared half a year).
    fit, unfit = level_cut(24, 100.0, {}), level_cut(18, 100.0, {})
    assert choice.level_cuts([fit, unfit]) == [fit]
    assert choice.level_cuts([unfit]) == [unfit]  # none fit: every cut, as before
    quarter = [level_cut(cut, 100.0, {}) for cut in (21, 15, 9)]
    quarter = [choice.BacktestCut(3, c.rows, c.actual, c.last_12m, {}, {}, c.cut) for c in quarter]
    assert choice.level_cuts(quarter) == quarter


def test_one_fit_cut_takes_the_drift_mean_level_unless_it_lost_to_naive(monkeypatch):
    """The synthetic B2B year of bench_forecast: the cut 18 months back favoured naive's total
    (its models learned from 3 to 6 months), the one 12 months back a lucky estimate; the one
    fit cut alone cannot tell a dozen totals apart, so the mean of the drift-corrected totals
    is used where it did not lose to naive."""
    mean = choice.DRIFT_MEAN_LEVEL
    cuts = [
        level_cut(24, 100.0, {NAIVE: 94.0, "lucky": 99.4, mean: 98.0}),
        level_cut(18, 100.0, {NAIVE: 97.0, "lucky": 130.0, mean: 90.0}),
    ]
    monkeypatch.setattr(choice, "run_backtest", lambda *args, **kwargs: cuts)
    revenue = np.ones((3, 36))
    assert choice.backtest_choice(revenue, revenue, horizon=12).level == mean
    cuts[0].levels[mean] = 93.0  # lost to naive at the fit cut
    assert choice.backtest_choice(revenue, revenue, horizon=12).level == NAIVE


def test_the_drift_mean_level_is_the_mean_of_the_two_drift_corrected_totals():
    revenue = np.hstack([np.full((2, 24), 100.0), np.full((2, 12), 150.0)])
    model = choice.LearnedForecaster(booster=None, horizon=12, recent_level=1.2)
    levels = choice.level_estimates(
        {NAIVE: np.full(2, 1800.0), "boosting": np.full(2, 1000.0)}, model, revenue, 12
    )
    drift, recent = levels[choice.DRIFT_LEVEL], levels[choice.RECENT_LEVEL]
    assert recent == pytest.approx(2400.0)
    assert levels[choice.DRIFT_MEAN_LEVEL] == pytest.approx((drift + recent) / 2)


def test_the_drift_mean_level_is_not_a_candidate_where_several_cuts_judge_the_totals():
    scores = {NAIVE: score(0.5, 0.5, 0.30), choice.DRIFT_MEAN_LEVEL: score(0, 0, 0.01)}
    assert pick_level(scores) == NAIVE
    assert pick_level(scores, one_cut=True) == choice.DRIFT_MEAN_LEVEL


def test_boosting_trains_on_one_thread_however_many_rows(monkeypatch):
    """Two OpenMP threads spin against every other process on the machine (9× slower measured
    beside a busy worker); 8,000 accounts × 12 origins give 60,000 rows, where two were used."""
    import lightgbm

    used = []

    def train(params, data, num_boost_round):
        used.append(int(params["num_threads"]))
        raise RuntimeError("stop after the parameters")

    monkeypatch.setattr(lightgbm, "train", train)
    revenue, days = portfolio(n=8000, months=36, seed=3)
    with pytest.raises(RuntimeError):
        fit_learned(revenue, days, horizon=12)
    assert used == [1]


def test_training_rows_beyond_the_bound_keep_big_accounts_and_weight_up_small_ones(monkeypatch):
    from kam_analytics.learned import model

    revenue, _ = portfolio(n=1000, months=36, seed=2)
    origins = training_origins(36, 12)
    everything, unit = model.training_rows(revenue, origins, 12)
    assert all(np.all(weights == 1.0) for weights in unit)
    monkeypatch.setattr(model, "MAX_TRAINING_ROWS", 3000)
    sampled, inverse = model.training_rows(revenue, origins, 12)

    assert 2700 <= sum(len(rows) for rows in sampled) <= 3300
    known = sum(len(rows) for rows in everything)
    # Inverse inclusion weights: the sample stands for every known row (in expectation).
    assert abs(sum(w.sum() for w in inverse) - known) / known < 0.1
    scales = model.origin_scales(revenue, origins, 12)
    for few, all_rows, weights, scale in zip(sampled, everything, inverse, scales, strict=True):
        assert set(few) <= set(all_rows)
        assert np.all(weights >= 1.0)
        biggest = all_rows[np.argsort(-scale[all_rows])[:20]]
        assert set(biggest) <= set(few)  # the accounts that decide the fit are all kept
        assert weights[np.isin(few, biggest)].max() == 1.0


def test_origin_scales_are_the_revenue_scale_of_the_features():
    from kam_analytics.learned import model

    revenue, days = portfolio(n=300, months=30, seed=4)
    for origin, scale in zip(
        (5, 18, 30), model.origin_scales(revenue, [5, 18, 30], 3), strict=True
    ):
        features = account_features(revenue, days, origin, 3)
        assert np.allclose(scale, model.revenue_scale(features, 3))


def test_inclusion_threshold_keeps_the_asked_rows_on_average():
    from kam_analytics.learned.model import inclusion_threshold

    scales = np.concatenate([np.ones(500), np.geomspace(1, 1e5, 2000)])
    threshold = inclusion_threshold(scales, 400)
    assert np.minimum(scales / threshold, 1.0).sum() == pytest.approx(400)


def test_two_horizons_sharing_the_cuts_fit_the_purchase_models_once_per_cut(monkeypatch):
    revenue, days = portfolio(n=400, months=36, seed=6)
    alone = {h: choose_forecast(revenue, days, horizon=h) for h in (12, 3)}
    fitted = []
    original = choice.classic

    def counting(past, past_days, horizon):
        fitted.append(past.shape[1])
        return original(past, past_days, horizon)

    monkeypatch.setattr(choice, "classic", counting)
    shared = choice.SharedCuts()
    together = {h: choose_forecast(revenue, days, horizon=h, shared=shared) for h in (12, 3)}

    assert len(together[12].cuts) == 2 and len(together[3].cuts) == 3
    # Each cut's purchase models once (the two finals fit their own, on the whole history).
    backtests = [months for months in fitted if months < 36]
    assert sorted(backtests) == sorted(set(backtests)) == [12, 18, 24]
    for h in (12, 3):
        assert together[h].ranking == alone[h].ranking and together[h].level == alone[h].level
        assert np.allclose(together[h].forecast, alone[h].forecast)


@pytest.mark.parametrize(
    ("ranking", "trained_at_the_end"), [("boosting_bgnbd", False), ("stack", True)]
)
def test_the_latest_origin_model_is_trained_at_the_end_only_when_a_winner_uses_it(
    monkeypatch, ranking, trained_at_the_end
):
    revenue, days = portfolio(n=300, months=30, seed=8)
    months_seen = []
    original = choice.fit_latest_origin

    def counting(history, history_days, *, horizon, compact=False):
        if not compact:
            months_seen.append(history.shape[1])
        return original(history, history_days, horizon=horizon, compact=compact)

    monkeypatch.setattr(choice, "fit_latest_origin", counting)
    monkeypatch.setattr(choice, "pick_ranking", lambda scores: ranking)
    monkeypatch.setattr(choice, "pick_level", lambda scores, **_: choice.NAIVE)
    result = choose_forecast(revenue, days, horizon=3)

    assert result.ranking == ranking
    assert (30 in months_seen) == trained_at_the_end  # the backtest's cuts train it either way
    assert any(months < 30 for months in months_seen)


@pytest.mark.parametrize(
    ("ranking", "trained_at_the_end"),
    [("stack", False), (choice.COMPACT, True), (choice.COMPACT_STACK, True)],
)
def test_the_compact_model_is_backtested_and_trained_at_the_end_only_when_a_winner_uses_it(
    monkeypatch, ranking, trained_at_the_end
):
    revenue, days = portfolio(n=300, months=30, seed=8)
    months_seen = []
    original = choice.fit_latest_origin

    def counting(history, history_days, *, horizon, compact=False):
        if compact:
            months_seen.append(history.shape[1])
        return original(history, history_days, horizon=horizon, compact=compact)

    monkeypatch.setattr(choice, "fit_latest_origin", counting)
    monkeypatch.setattr(choice, "pick_ranking", lambda scores: ranking)
    monkeypatch.setattr(choice, "pick_level", lambda scores, **_: choice.NAIVE)
    result = choose_forecast(revenue, days, horizon=3)

    assert {choice.COMPACT, choice.COMPACT_STACK} <= set(result.scores)
    assert result.ranking == ranking
    assert (30 in months_seen) == trained_at_the_end
    assert any(months < 30 for months in months_seen)


def test_the_compact_model_learns_revenue_from_the_twelve_plain_features_only():
    from kam_analytics.learned import model

    revenue, days = portfolio(n=400, months=30, seed=9)
    compact = model.fit_latest_origin(revenue, days, horizon=3, compact=True)
    assert compact is not None and not compact.relative
    assert compact.booster.feature_name() == list(model.COMPACT_FEATURES)
    assert len(model.COMPACT_FEATURES) == 12
    forecast = compact.predict(revenue, days, 30)  # from all features, picking its twelve
    assert FEATURE_NAMES.index("revenue_same_season_last_year") not in compact.columns
    assert np.all(forecast >= 0) and forecast.shape == (400,)
    full = model.fit_latest_origin(revenue, days, horizon=3)
    assert full is not None and full.booster.num_feature() == len(FEATURE_NAMES)


def test_the_compact_model_is_a_candidate_below_a_year_only():
    revenue, days = portfolio(n=300, months=30, seed=8)
    year, _ = choice.candidate_forecasts(revenue, days, 12)
    quarter, _ = choice.candidate_forecasts(revenue, days, 3)
    assert choice.COMPACT not in year and choice.COMPACT_STACK not in year
    assert {choice.COMPACT, choice.COMPACT_STACK} <= set(quarter)


@pytest.mark.parametrize("horizon", [12, 3])
def test_the_backtest_on_the_sampled_rows_alone_then_the_final_fit_choose_as_in_one_piece(
    monkeypatch, horizon
):
    # A run reads the sampled accounts first and backtests them while it reads the rest.
    monkeypatch.setattr(choice, "MAX_BACKTEST_ACCOUNTS", 150)
    revenue, days = portfolio(n=400, months=36, seed=3)
    whole = choose_forecast(revenue, days, horizon=horizon)

    sample = choice.backtest_sample(len(revenue))
    assert len(sample) == 150
    backtest = choice.backtest_choice(revenue[sample], days[sample], horizon=horizon, sample=sample)
    split = choice.final_forecast(revenue, days, backtest)

    assert (split.ranking, split.level) == (whole.ranking, whole.level)
    # Identical figures (assert_equal: NaN where the other has NaN).
    np.testing.assert_equal(
        {name: astuple(score) for name, score in split.scores.items()},
        {name: astuple(score) for name, score in whole.scores.items()},
    )
    np.testing.assert_equal(astuple(split.chosen), astuple(whole.chosen))
    assert split.real_risers == whole.real_risers
    assert [cut.horizon for cut in split.cuts] == [cut.horizon for cut in whole.cuts]
    for mine, theirs in zip(split.cuts, whole.cuts, strict=True):
        assert np.array_equal(mine.rows, theirs.rows)
        assert np.array_equal(mine.actual, theirs.actual)
        np.testing.assert_equal(mine.levels, theirs.levels)
        assert mine.forecasts.keys() == theirs.forecasts.keys()
        for name, forecast in mine.forecasts.items():
            assert np.array_equal(forecast, theirs.forecasts[name])
    assert np.array_equal(split.forecast, whole.forecast)
    assert np.array_equal(split.low, whole.low) and np.array_equal(split.high, whole.high)


def test_the_errors_of_the_sum_shown_are_those_of_the_cuts_that_judged_the_totals(monkeypatch):
    """The synthetic B2B year: the drift mean was chosen at the one fit cut (2 % off, naive 6 %);
    averaged with the unfit cut (20 %, naive 1 %) the scores said the opposite of the choice."""
    mean = choice.DRIFT_MEAN_LEVEL
    cuts = [ranked_cut(24, 94.0, 98.0), ranked_cut(18, 99.0, 80.0)]
    monkeypatch.setattr(choice, "run_backtest", lambda *args, **kwargs: cuts)
    revenue = np.ones((3, 36))

    backtest = choice.backtest_choice(revenue, revenue, horizon=12)
    chosen = choice.chosen_score(cuts, NAIVE, mean)

    assert backtest.level == mean
    assert backtest.scores[NAIVE].total_error == pytest.approx(0.06)
    assert backtest.scores[mean].total_error == pytest.approx(0.02)
    assert chosen is not None and chosen.total_error == pytest.approx(0.02)
    # The ranks stay judged at both cuts.
    assert (backtest.scores[NAIVE].cutoffs, backtest.scores[NAIVE].total_cutoffs) == (2, 1)
    assert (chosen.cutoffs, chosen.total_cutoffs) == (2, 1)
    assert backtest.scores[NAIVE].spearman == pytest.approx(-1.0)
