"""The forecast an analysis run uses: chosen by backtest on the company's own history.

`predict_accounts` backtests kam_analytics' candidates (naive, BG/NBD × Gamma-Gamma, gradient
boosting, their stack) for the next 12 months and the next quarter, uses the winners (naive when
nothing beats it) and returns what the run stores: the forecasts, the 80 % band, new accounts
(shrunk toward comparable accounts and flagged), risers into the top group, the reasons per
account and the backtest figures of every candidate (`choice`, stored on the run).
"""

from __future__ import annotations

import json
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from queue import Empty, SimpleQueue

import numpy as np

from kam.analysis.facts import FactMatrix
from kam_analytics.forecast import HORIZON_MONTHS, forecast_accuracy, margin_rates, ranks
from kam_analytics.learned.adjust import risers, risers_caught, top_count
from kam_analytics.learned.choice import (
    NAIVE,
    CandidateScore,
    ForecastChoice,
    SharedCuts,
    choose_forecast,
    level_cuts,
    scaled,
)
from kam_analytics.learned.explain import word_reasons

logger = logging.getLogger(__name__)
QUARTER = 3
#: Accounts of the top list that the model card compares with what happened.
LAST_YEAR_TOP = 10
#: A portfolio's own backtest figures need this many of its accounts at a cut (else too noisy).
MIN_PORTFOLIO_ACCOUNTS = 5
#: Accounts, by forecast, whose reasons the model orders (its contributions are the costly part:
#: TreeSHAP of the year's model costs about 0.43 CPU ms an account, 2.1 CPU s for 5,000).
MODEL_EXPLAINED = 2_000
#: Chunks of accounts the threads word the reasons in (see predict_accounts).
REASON_CHUNKS = 16


@dataclass
class Prediction:
    expected_12m: np.ndarray  # float cents
    expected_margin_12m: np.ndarray
    low: np.ndarray | None
    high: np.ndarray | None
    expected_3m: np.ndarray
    new_account: np.ndarray  # bool
    riser: np.ndarray  # bool
    reasons: list[list[dict]]
    choice: dict  # JSON for the run
    #: `reasons` as the JSON stored per account, written in the threads that word them.
    reasons_json: list[str] | None = None


def predict_accounts(
    facts: FactMatrix, history, *, classic_12m=None, portfolios: dict[int, np.ndarray] | None = None
) -> Prediction:
    """The chosen forecasts for every account of `facts` (`history`: the facts in euros;
    `classic_12m`: the purchase models' 12-month forecast in euros, None if they failed;
    `portfolios`: per user id, which rows of `facts` the user's portfolio holds)."""
    revenue = np.asarray(history.monthly_revenue, dtype=np.float64)
    days = facts.purchase_days.astype(np.float64)
    # The quarter is chosen in a second thread while this one chooses the year; then both word
    # the accounts' reasons, taking chunks of accounts until none is left (the thread whose
    # choice ends first words most of them). LightGBM and numpy release the GIL, so on two cores
    # this halves the longest part of a big run (measured at 100,000 accounts), and nothing of
    # it touches the database. Both backtests cut the history at the same months and share the
    # purchase models' forecasts there.
    shared = SharedCuts()
    with ThreadPoolExecutor(max_workers=1) as pool:
        quarter_job = pool.submit(
            choose_forecast,
            revenue,
            days,
            horizon=QUARTER,
            classic_12m=classic_12m,
            shared=shared,
        )
        year = choose_forecast(
            revenue, days, horizon=HORIZON_MONTHS, classic_12m=classic_12m, shared=shared
        )
        riser, new_account = _risers_and_new_accounts(year, revenue)
        explained = explained_by_model(year.forecast, riser)
        words = partial(
            _worded,
            revenue,
            days,
            new_account=new_account,
            model=year.model,
            explained=explained,
        )
        reasons, reasons_json = _word_in_chunks(words, len(revenue), pool)
        quarter = quarter_job.result()
    rates = np.nan_to_num(margin_rates(history))
    return Prediction(
        expected_12m=year.forecast * 100,
        expected_margin_12m=year.forecast * rates * 100,
        low=None if year.low is None else year.low * 100,
        high=None if year.high is None else year.high * 100,
        expected_3m=quarter.forecast * 100,
        new_account=new_account,
        riser=riser,
        reasons=reasons,
        reasons_json=reasons_json,
        choice={
            "top_share": 0.1,
            "top_count": top_count(len(revenue)),
            "horizons": {
                str(c.horizon): horizon_json(c) | {"portfolios": portfolio_json(c, portfolios)}
                for c in (year, quarter)
            },
            "last_year": last_year_json(year, facts.account_ids),
        },
    )


def _risers_and_new_accounts(year: ForecastChoice, revenue: np.ndarray):
    last_12m = revenue[:, -HORIZON_MONTHS:].sum(axis=1)
    riser = risers(year.forecast, last_12m)
    new_account = year.new_account if year.new_account is not None else np.zeros(len(riser), bool)
    return riser, new_account


def _worded(revenue: np.ndarray, days: np.ndarray, **kwargs) -> tuple[list, list[str]]:
    """The reasons of the accounts `rows` (see word_reasons), and each as JSON: encoding them
    is worth doing in the threads rather than while the run stores, and once per distinct list
    of reasons (most accounts share theirs with others). Accounts with the same reasons share
    one list: nobody changes them."""
    worded = word_reasons(revenue, days, horizon=HORIZON_MONTHS, **kwargs)
    texts = [json.dumps(reasons) for reasons in worded.lists]
    of_account = worded.of_account.tolist()
    return [worded.lists[i] for i in of_account], [texts[i] for i in of_account]


def _word_in_chunks(words, n_accounts: int, pool: ThreadPoolExecutor) -> tuple[list, list[str]]:
    """`words` of all accounts, chunk by chunk in this thread and in `pool`'s (once it is free),
    back in row order."""
    chunks: SimpleQueue = SimpleQueue()
    for index, rows in enumerate(np.array_split(np.arange(n_accounts), REASON_CHUNKS)):
        if len(rows):
            chunks.put((index, rows))
    worded: dict[int, tuple[list, list[str]]] = {}

    def take_chunks() -> None:
        while True:
            try:
                index, rows = chunks.get_nowait()
            except Empty:
                return
            worded[index] = words(rows=rows)

    helper = pool.submit(take_chunks)
    take_chunks()
    helper.result()
    ordered = [worded[index] for index in sorted(worded)]
    return (
        [reasons for chunk in ordered for reasons in chunk[0]],
        [text for chunk in ordered for text in chunk[1]],
    )


def explained_by_model(forecast: np.ndarray, riser: np.ndarray) -> np.ndarray:
    """The accounts whose reasons the model orders: the largest MODEL_EXPLAINED by forecast
    and every riser (the rest get the reasons in a fixed order; see explain.py)."""
    explained = riser.copy()
    explained[np.argsort(-forecast, kind="stable")[:MODEL_EXPLAINED]] = True
    return explained


def _number(value: float, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def score_json(score: CandidateScore) -> dict:
    return {
        "spearman": _number(score.spearman),
        "top10": _number(score.top_decile_precision),
        "total_error": _number(score.total_error),
        "risers": _number(score.risers, 1),
        "band_coverage": _number(score.band_coverage),
        "cutoffs": score.cutoffs,
        "total_cutoffs": score.cutoffs if score.total_cutoffs is None else score.total_cutoffs,
    }


def horizon_json(choice: ForecastChoice) -> dict:
    """The backtest of one horizon: every candidate, the choice and its own figures."""
    return {
        "ranking": choice.ranking,
        "level": choice.level,
        "naive_chosen": choice.ranking == NAIVE and choice.level == NAIVE,
        "backtest_horizons": sorted({cut.horizon for cut in choice.cuts}),
        "cutoffs": len(choice.cuts),
        # The errors of the sum are those of the cuts the level was chosen on (level_cuts).
        "total_cutoffs": len(level_cuts(choice.cuts)),
        "accounts": max((len(cut.actual) for cut in choice.cuts), default=0),
        "candidates": {name: score_json(score) for name, score in choice.scores.items()},
        "chosen": None if choice.chosen is None else score_json(choice.chosen),
        "real_risers": _number(choice.real_risers, 1),
    }


def portfolio_json(choice: ForecastChoice, portfolios: dict[int, np.ndarray] | None) -> dict:
    """Per user, the backtest figures of the chosen forecast and of naive on their accounts only
    (the errors of the sum, as the company's, at the cuts that judged the totals)."""
    judged = {id(cut) for cut in level_cuts(choice.cuts)}
    result = {}
    for user_id, in_portfolio in (portfolios or {}).items():
        chosen, naive = [], []
        for cut in choice.cuts:
            if choice.ranking not in cut.forecasts or choice.level not in cut.levels:
                continue
            mine = in_portfolio[cut.rows]
            if mine.sum() < MIN_PORTFOLIO_ACCOUNTS or cut.actual[mine].sum() <= 0:
                continue
            figures = partial(_cut_figures, actual=cut.actual[mine], last_12m=cut.last_12m[mine])
            forecast = scaled(cut.forecasts[choice.ranking], cut.levels[choice.level])
            naive_forecast = cut.last_12m[mine] * cut.horizon / 12
            chosen.append(figures(forecast[mine], judged=id(cut) in judged))
            naive.append(figures(naive_forecast, judged=id(cut) in judged))
        if chosen:
            accounts = int(in_portfolio[choice.cuts[0].rows].sum())
            result[str(user_id)] = {
                "chosen": _mean_json(chosen),
                "naive": _mean_json(naive),
                "accounts": accounts,
            }
    return result


def _cut_figures(
    forecast: np.ndarray, *, actual: np.ndarray, last_12m: np.ndarray, judged: bool
) -> tuple:
    """Spearman, top 10 %, error of the sum (NaN where the cut does not judge totals), risers."""
    accuracy = forecast_accuracy(forecast, actual)
    error = abs(forecast.sum() - actual.sum()) / actual.sum() if judged else np.nan
    caught = risers_caught(forecast, actual, last_12m)
    return accuracy.spearman, accuracy.top_decile_precision, error, caught


def _mean_json(rows: list[tuple]) -> dict:
    figures = np.array(rows, dtype=np.float64)
    judged = int(np.count_nonzero(~np.isnan(figures[:, 2])))
    if judged == 0:  # no cut of this portfolio judged the totals: no error of the sum
        figures[:, 2] = 0.0
    spearman, top, error, caught = np.nanmean(figures, axis=0).tolist()
    score = CandidateScore(
        spearman, top, error if judged else np.nan, len(rows), caught, total_cutoffs=judged
    )
    return score_json(score)


def last_year_json(choice: ForecastChoice, account_ids: np.ndarray) -> list[dict]:
    """The top accounts of the forecast made 12 months back (the backtest), and what they bought."""
    cut = next((c for c in choice.cuts if c.horizon == choice.horizon), None)
    if cut is None or choice.ranking not in cut.forecasts or choice.level not in cut.levels:
        return []
    forecast = scaled(cut.forecasts[choice.ranking], cut.levels[choice.level])
    order = np.argsort(-forecast, kind="stable")[:LAST_YEAR_TOP]
    actual_rank = ranks(cut.actual)
    return [
        {
            "account_id": int(account_ids[cut.rows[i]]),
            "forecast_cents": int(round(forecast[i] * 100)),
            "actual_cents": int(round(cut.actual[i] * 100)),
            "actual_rank": int(actual_rank[i]),
        }
        for i in order
    ]
