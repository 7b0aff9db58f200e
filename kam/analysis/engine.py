"""One analysis for an as-of date: facts in, every per-account and portfolio figure out.

`compute_analysis` reads the facts (kam/analysis/facts.py), the people's ratings and the
accounts' current status, and calls kam_analytics for everything else; it writes nothing, so
`kam analyze --no-store` and the stored runs share one computation. Money stays integer cents
(floats while forecasting); the trailing 12 months end with the last complete month on as_of.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.analysis.facts import FactMatrix, group_roots, load_facts
from kam.analysis.models import AccountRating
from kam.analysis.prediction import Prediction, predict_accounts
from kam.core import permissions
from kam.core.plugins import analysis_criteria, analysis_ratings
from kam.sales.figures import calendar_periods, last_complete_month
from kam.users.models import User
from kam_analytics import (
    AnalyticsInputError,
    DependencyAlert,
    ModelNotApplicableError,
    QualificationRules,
    abc_classes,
    abc_xyz_matrix,
    account_history,
    calibrated_band,
    concentration_summary,
    dependency_alerts,
    forecast_revenue,
    key_account_scores,
    lorenz_curve,
    portfolio_matrix,
    proposed_statuses,
    rfm_scores,
    xyz_classes,
)
from kam_analytics.forecast import (
    HORIZON_MONTHS,
    AccountHistory,
    fit_purchase_models,
    model_lifetime_value,
    naive_forecast,
    ranks,
)
from kam_analytics.scoring import COUNTED, overlay_ratings

logger = logging.getLogger(__name__)
LORENZ_POINTS = 101
#: kam_analytics' thresholds (candidate 50, key account 65 with ABC A/B, strategic 80 with A);
#: a candidate must be an A or B account too: scores are percentile ranks, so half of all
#: accounts reach 50, and a proposal list with every second small customer helps nobody.
QUALIFICATION_RULES = QualificationRules(candidate_abc=frozenset({"A", "B"}))


class NoFactsError(Exception):
    """There is nothing to analyse: no account bought anything before the as-of date."""


@dataclass
class Forecast:
    expected_revenue: np.ndarray  # float cents
    expected_margin: np.ndarray
    p_alive: np.ndarray  # NaN where the purchase models did not apply
    expected_transactions: np.ndarray
    clv: np.ndarray
    rank: np.ndarray
    fits: dict = field(default_factory=dict)
    low: np.ndarray | None = None  # the 80 % band of expected_revenue, float cents
    high: np.ndarray | None = None


@dataclass
class AnalysisOutcome:
    """Everything a run computes; arrays are aligned with `facts.account_ids`."""

    as_of: date
    settings: dict
    facts: FactMatrix
    revenue_12m: np.ndarray  # int64 cents
    margin_12m: np.ndarray
    revenue_prev_12m: np.ndarray
    abc_revenue: np.ndarray
    abc_margin: np.ndarray
    xyz: np.ndarray
    rfm: object
    share_revenue: np.ndarray
    share_margin: np.ndarray
    forecast: Forecast
    score: np.ndarray
    rank_today: np.ndarray
    attractiveness: np.ndarray
    position: np.ndarray
    quadrant: np.ndarray
    current_status: np.ndarray
    proposed_status: np.ndarray  # "" where nothing is proposed
    concentration: dict
    lorenz: dict
    alerts: list[DependencyAlert]
    group_of: np.ndarray  # group top id per account
    abc_xyz: dict
    prediction: Prediction | None = None  # the forecast chosen by backtest (forecast uses it)
    #: Per account the JSON of its sums in the cockpit's calendar periods, and the periods'
    #: totals (`period_sums`), computed while the forecast is chosen.
    period_sums: tuple[list[str | None], dict[str, int]] | None = None
    #: The data criteria other apps provide (e.g. "profitability", the DB IV margin): 0 where an
    #: account had none of a counted criterion, NaN where it has no value of another; the score
    #: and the proposals read them.
    app_criteria: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def account_ids(self) -> np.ndarray:
        return self.facts.account_ids


def compute_analysis(*, as_of: date, settings: dict) -> AnalysisOutcome:
    """Analyse every account with facts up to the last complete month on `as_of`."""
    facts = load_facts(last_complete_month(as_of))
    if facts.n_accounts == 0:
        raise NoFactsError
    # The learned forecast's backtests (most of a big run) start in other threads while this
    # one fits the purchase models and computes the rest: their 12-month forecast is a candidate
    # the learned forecast needs only at its end. Nothing in those threads reads the database.
    classic_12m: Future = Future()
    with ThreadPoolExecutor(max_workers=1) as pool:
        learned = pool.submit(_predict, facts, classic_12m.result, portfolios(facts.account_ids))
        try:
            forecast = forecast_accounts(facts, band=False)
        except BaseException:
            classic_12m.set_result(None)
            raise
        classic_12m.set_result(_classic_12m(forecast))
        outcome = _outcome(facts, as_of, settings, forecast)
        outcome.period_sums = period_sums(facts, as_of)
        # Read while the forecast is chosen: what the score needs besides the forecast.
        outcome.app_criteria = _app_criteria(outcome)
        ratings = _people_and_data_ratings(outcome)
        outcome.prediction = _apply(learned.result(), forecast)
    if outcome.prediction is None:
        outcome.forecast = forecast_accounts(facts)
    outcome.abc_xyz = abc_xyz_matrix(outcome.abc_revenue, outcome.xyz).as_dict()
    _score(outcome, ratings)
    return outcome


def period_sums(facts: FactMatrix, as_of: date) -> tuple[list[str | None], dict[str, int]]:
    """Each account's revenue, margin and revenue a year before in the calendar periods a
    cockpit filter offers, as the JSON of `AccountResult.period_sums`, and every account's
    revenue in each (`AnalysisRun.period_totals`): read from the facts matrix the run holds
    anyway, so that a filtered cockpit reads sums instead of adding up monthly facts. A period
    reaching back before the matrix (with older facts there) is left to the facts."""
    keys: list[str] = []
    columns: list[np.ndarray] = []
    totals: dict[str, int] = {}
    for _value, period in calendar_periods(as_of):
        before = period.before()
        now = facts.sums(period.first_month, period.last_month)
        prior = facts.sums(before.first_month, before.last_month)
        if now is None or prior is None:
            continue
        keys.append(period.key)
        columns += [*now, prior[0]]
        totals[period.key] = int(now[0].sum())
    if not keys:
        return [None] * facts.n_accounts, totals
    # Written as text, one format for all accounts (a line each): json.dumps of 100,000 dicts
    # takes 3x as long as a format per account, which takes 1.5x as long as this.
    row = "{" + ",".join(f'"{key}":[%d,%d,%d]' for key in keys) + "}\n"
    values = tuple(np.stack(columns, axis=1).ravel().tolist())
    texts: list[str | None] = []
    texts += (row * facts.n_accounts % values).split("\n")[:-1]
    return texts, totals


def _outcome(facts: FactMatrix, as_of: date, settings: dict, forecast: Forecast) -> AnalysisOutcome:
    """Everything of the run but the learned forecast and the scores."""
    revenue, margin = facts.revenue_cents, facts.margin_cents
    revenue_12m = revenue[:, -HORIZON_MONTHS:].sum(axis=1)
    margin_12m = margin[:, -HORIZON_MONTHS:].sum(axis=1)
    group_of = group_roots(facts.account_ids)
    return AnalysisOutcome(
        as_of=as_of,
        settings=settings,
        facts=facts,
        revenue_12m=revenue_12m,
        margin_12m=margin_12m,
        revenue_prev_12m=revenue[:, -2 * HORIZON_MONTHS : -HORIZON_MONTHS].sum(axis=1),
        abc_revenue=abc_classes(
            revenue_12m, a_limit=settings["abc_a_limit"], b_limit=settings["abc_b_limit"]
        ),
        abc_margin=abc_classes(
            margin_12m, a_limit=settings["abc_a_limit"], b_limit=settings["abc_b_limit"]
        ),
        xyz=xyz_classes(
            revenue[:, -HORIZON_MONTHS:],
            x_limit=settings["xyz_x_limit"],
            y_limit=settings["xyz_y_limit"],
        ),
        rfm=_rfm(facts, as_of, revenue_12m),
        share_revenue=_shares(revenue_12m),
        share_margin=_shares(margin_12m),
        forecast=forecast,
        score=np.full(facts.n_accounts, np.nan),
        rank_today=ranks(revenue_12m),
        attractiveness=np.full(facts.n_accounts, np.nan),
        position=np.full(facts.n_accounts, np.nan),
        quadrant=np.full(facts.n_accounts, ""),
        current_status=_current_status(facts.account_ids),
        proposed_status=np.full(facts.n_accounts, "", dtype="<U20"),
        concentration={
            "revenue": _concentration(revenue_12m),
            "margin": _concentration(margin_12m),
        },
        lorenz={"revenue": _lorenz(revenue_12m)},
        alerts=_alerts(facts.account_ids, revenue_12m, margin_12m, group_of, settings),
        group_of=group_of,
        abc_xyz={},
        prediction=None,
    )


def _rfm(facts: FactMatrix, as_of: date, revenue_12m: np.ndarray):
    days_since = (np.datetime64(as_of, "D") - facts.last_purchase).astype(np.float64)
    frequency = facts.purchase_days[:, -HORIZON_MONTHS:].sum(axis=1)
    return rfm_scores(np.clip(days_since, 0, None), frequency, np.clip(revenue_12m, 0, None))


def _shares(values: np.ndarray) -> np.ndarray:
    positive = np.clip(values, 0, None).astype(np.float64)
    total = positive.sum()
    return positive / total if total > 0 else np.zeros(len(values))


def _concentration(values: np.ndarray) -> dict | None:
    """The concentration figures, or None when no account has a positive value."""
    if not np.any(values > 0):
        return None
    summary = concentration_summary(values.astype(np.float64))
    return {
        "top1_share": summary.top1_share,
        "top5_share": summary.top5_share,
        "top10_share": summary.top10_share,
        "hhi": summary.herfindahl_index,
        "gini": summary.gini,
    }


def _lorenz(values: np.ndarray) -> list[list[float]]:
    """At most LORENZ_POINTS points of the curve, enough for a chart of any portfolio."""
    if not np.any(values > 0):
        return []
    accounts, value = lorenz_curve(values.astype(np.float64))
    grid = np.linspace(0, 1, min(LORENZ_POINTS, len(accounts)))
    return [
        [round(float(x), 4), round(float(y), 4)]
        for x, y in zip(grid, np.interp(grid, accounts, value), strict=True)
    ]


def _alerts(
    account_ids: np.ndarray,
    revenue: np.ndarray,
    margin: np.ndarray,
    group_of: np.ndarray,
    settings: dict,
) -> list[DependencyAlert]:
    if not np.any(revenue > 0):
        return []
    return dependency_alerts(
        account_ids,
        revenue.astype(np.float64),
        margin.astype(np.float64) if np.any(margin > 0) else None,
        group_ids=group_of,
        revenue_threshold=settings["dependency_revenue"],
        margin_threshold=settings["dependency_margin"],
        top5_threshold=settings["dependency_top5"],
    )


def history_in_euros(facts: FactMatrix) -> AccountHistory:
    """The facts in euros: the spend model converges several times faster than on cents."""
    first, last = facts.purchase_positions()
    return account_history(
        facts.revenue_cents / 100,
        facts.purchase_days.astype(np.float64),
        facts.margin_cents / 100,
        first_purchase=first,
        last_purchase=last,
        as_of=float(facts.n_months),
    )


def forecast_accounts(facts: FactMatrix, *, band: bool = True) -> Forecast:
    """Next-12-month revenue and margin, P(alive), CLV; the naive forecast where models fail.

    `band=False` leaves out the 80 % band (a second fit): the forecast chosen by backtest
    brings its own."""
    history = history_in_euros(facts)
    try:
        models = fit_purchase_models(history)  # once for the forecast and the CLV
        forecast = forecast_revenue(history, models=models)
        clv = model_lifetime_value(history, models=models)
    except (AnalyticsInputError, ModelNotApplicableError) as error:
        # A tiny or degenerate portfolio: say so in the log and keep the rest of the run.
        logger.warning("Purchase models do not apply, using the naive forecast: %s", error)
        return _naive(history)
    if not (np.all(np.isfinite(forecast.expected_revenue)) and np.all(np.isfinite(clv))):
        # Perfectly regular buyers drive the BG/NBD parameters to infinity (seen on tidy
        # test data): the naive forecast is honest where the model has no answer.
        logger.warning("Purchase models gave no finite forecast, using the naive forecast")
        return _naive(history)
    low, high = calibrated_band(history, forecast.expected_revenue) if band else (None, None)
    return Forecast(
        expected_revenue=forecast.expected_revenue * 100,
        expected_margin=np.nan_to_num(forecast.expected_margin) * 100,
        p_alive=forecast.probability_alive,
        expected_transactions=forecast.expected_purchase_days,
        clv=clv * 100,
        rank=forecast.rank,
        low=None if low is None else low * 100,
        high=None if high is None else high * 100,
    )


def _classic_12m(forecast: Forecast) -> np.ndarray | None:
    """The purchase models' 12-month forecast in euros; None where they did not apply."""
    return forecast.expected_revenue / 100 if np.isfinite(forecast.p_alive).any() else None


def _predict(facts: FactMatrix, classic_12m, portfolios: dict) -> Prediction | None:
    """The forecast chosen by backtest (`classic_12m`: a callable giving the purchase models'
    12-month forecast when it is needed). Should it fail (a degenerate history), the run keeps
    the purchase models' forecast and says so in the log."""
    try:
        return predict_accounts(
            facts, history_in_euros(facts), classic_12m=classic_12m, portfolios=portfolios
        )
    except Exception as error:  # noqa: BLE001 (any failure of the learned forecast keeps the run)
        logger.warning("The learned forecast does not apply, keeping the model view: %s", error)
        return None


def _apply(prediction: Prediction | None, forecast: Forecast) -> Prediction | None:
    """The chosen forecast replaces the revenue, margin, band and rank of `forecast`; the
    purchase models' P(alive), purchase days and CLV stay."""
    if prediction is None:
        return None
    forecast.expected_revenue = prediction.expected_12m
    forecast.expected_margin = prediction.expected_margin_12m
    forecast.low, forecast.high = prediction.low, prediction.high
    forecast.rank = ranks(prediction.expected_12m)
    return prediction


def portfolios(account_ids: np.ndarray) -> dict[int, np.ndarray]:
    """Per user who sees the model card for a portfolio only (not the company's), which rows
    of the facts are theirs: the model card shows them the backtest on their own accounts."""
    result = {}
    for user in User.objects.filter(is_active=True):
        if permissions.can_view_forecast_quality(user) and not (
            permissions.can_see_company_portfolio(user)
        ):
            visible = accounts_visible_to(user).values_list("id", flat=True)
            result[user.pk] = np.isin(account_ids, np.fromiter(visible, dtype=np.int64))
    return result


def _naive(history: AccountHistory) -> Forecast:
    revenue = np.clip(naive_forecast(history), 0, None) * 100
    margin = history.monthly_margin[:, -HORIZON_MONTHS:].sum(axis=1) * 100  # type: ignore[index]
    unknown = np.full(len(revenue), np.nan)
    return Forecast(revenue, margin, unknown, unknown.copy(), unknown.copy(), ranks(revenue))


def _current_status(account_ids: np.ndarray) -> np.ndarray:
    status = dict(Account.objects.filter(id__in=_id_list(account_ids)).values_list("id", "status"))
    return np.array([status.get(int(i), "none") for i in account_ids], dtype="<U20")


def _id_list(account_ids: np.ndarray):
    # Large IN lists break SQLite's variable limit; a subquery over facts would be slower.
    return account_ids.tolist() if len(account_ids) < 900 else Account.objects.values("id")


def _ratings(account_ids: np.ndarray) -> dict[str, np.ndarray]:
    ratings = {name: np.full(len(account_ids), np.nan) for name in AccountRating.RATED_FIELDS}
    rows = AccountRating.objects.filter(account_id__in=_id_list(account_ids)).values_list(
        "account_id", *AccountRating.RATED_FIELDS
    )
    for account_id, *values in rows:
        row = int(np.searchsorted(account_ids, account_id))
        if row < len(account_ids) and account_ids[row] == account_id:
            for name, value in zip(AccountRating.RATED_FIELDS, values, strict=True):
                ratings[name][row] = np.nan if value is None else value
    return ratings


def _people_and_data_ratings(outcome: AnalysisOutcome) -> dict[str, np.ndarray]:
    """The account team's ratings, replaced where another app derives the rating from data
    (kam.core.plugins.analysis_ratings, e.g. the reference value from referrals)."""
    ratings = _ratings(outcome.account_ids)
    for name, values in analysis_ratings(as_of=outcome.as_of).items():
        if name in ratings:
            data = np.array([values.get(int(i), np.nan) for i in outcome.account_ids])
            ratings[name] = overlay_ratings(ratings[name], data)
    return ratings


def _growth(outcome: AnalysisOutcome) -> np.ndarray:
    previous = outcome.revenue_prev_12m.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            previous > 0, outcome.revenue_12m / np.where(previous > 0, previous, 1) - 1, np.nan
        )


def _app_criteria(outcome: AnalysisOutcome) -> dict[str, np.ndarray]:
    """The data criteria other apps provide per account (kam.core.plugins.analysis_criteria,
    e.g. complaints in the last 12 months), as arrays in the outcome's account order; an account
    without a value had none of what is counted, and is unknown in any other criterion."""
    return {
        name: np.array(
            [values.get(int(i), 0.0 if name in COUNTED else np.nan) for i in outcome.account_ids],
            dtype=np.float64,
        )
        for name, values in analysis_criteria(as_of=outcome.as_of).items()
    }


def _score(outcome: AnalysisOutcome, ratings: dict[str, np.ndarray]) -> None:
    """Score, portfolio position and status proposals from data (the outcome's forecast and
    `app_criteria`) and the people's `ratings` (see _people_and_data_ratings)."""
    data = {
        "revenue": outcome.revenue_12m.astype(np.float64),
        "margin": outcome.margin_12m.astype(np.float64),
        "growth": _growth(outcome),
        "forecast": outcome.forecast.expected_revenue,
        "probability_alive": outcome.forecast.p_alive,
    }
    data |= outcome.app_criteria
    scores = key_account_scores(data, ratings, outcome.settings["weights"])
    portfolio = portfolio_matrix(scores.criteria)
    outcome.score = scores.score
    outcome.attractiveness, outcome.position = portfolio.attractiveness, portfolio.position
    outcome.quadrant = portfolio.quadrant
    outcome.proposed_status = _proposals(outcome)


def _proposals(outcome: AnalysisOutcome) -> np.ndarray:
    # Without a status, only A and B accounts can qualify (QUALIFICATION_RULES).
    may_change = (outcome.current_status != "none") | np.isin(outcome.abc_revenue, ["A", "B"])
    proposed = proposed_statuses(
        outcome.current_status, outcome.score, outcome.abc_revenue, QUALIFICATION_RULES
    )
    return np.where(may_change, proposed, "").astype("<U20")
