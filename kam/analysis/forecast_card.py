"""Reads for the model card "Wie gut ist die Prognose?": the run's stored model choice, and last
year's forecast of the user's visible top accounts against what they bought since.

Everything comes from stored runs (no recomputation). Accounts pass accounts_visible_to(user):
leadership sees every account, a key account manager those of their portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from kam.accounts.selectors import accounts_visible_to
from kam.analysis.models import AccountResult, AnalysisRun, RunStatus
from kam.analysis.selectors import latest_run
from kam.core import permissions
from kam.core.money import cents_to_decimal
from kam.users.models import User

CANDIDATE_LABELS = {
    "naive": _("Naive: next = last 12 months"),
    "bgnbd_trend": _("Purchase models (BG/NBD × Gamma-Gamma, trends)"),
    "boosting": _("Gradient boosting, trained on past years"),
    "boosting_bgnbd": _("Boosting × purchase models"),
    "boosting_latest_origin": _("Gradient boosting, latest year only"),
    "naive_24m": _("Average of the last 24 months"),
    "stack": _("Combination of all models"),
    "boosting_recent_level": _("Boosting, level of the latest year"),
    "stack_boosting": _("Combination of both boosting models"),
    "naive_drift": _("Naive, corrected by last year's deviation"),
    "seasonal_drift": _("Same months last year, corrected by the year's growth"),
    "boosting_bgnbd_mean_level": _("Mean of boosting and purchase models"),
    "drift_mean_level": _("Mean of naive and boosting, each corrected by last year's deviation"),
    "boosting_compact": _("Gradient boosting, latest year, twelve revenue figures"),
    "stack_boosting_compact": _("Combination of boosting and the twelve-figure model"),
}
HORIZON_LABELS = {"12": _("Next 12 months"), "3": _("Next quarter")}
#: A run about a year before this one, within this many days, gives last year's forecast.
LAST_YEAR_TOLERANCE_DAYS = 45
LAST_YEAR_TOP = 10


@dataclass
class CandidateRow:
    name: str
    label: str
    spearman: float | None
    top10: float | None
    total_error: float | None
    risers: float | None
    chosen_ranking: bool
    chosen_level: bool
    beats_naive: bool


@dataclass
class HorizonCard:
    horizon: str
    label: str
    ranking_label: str
    level_label: str
    naive_chosen: bool
    cutoffs: int
    #: The cuts the errors of the sum were judged on (fewer than `cutoffs` where some cuts' models
    #: had learned from too little; see kam_analytics.learned.choice.level_cuts).
    total_cutoffs: int
    backtest_horizons: list[int]
    accounts: int
    chosen: dict | None
    naive: dict | None
    real_risers: float | None
    rows: list[CandidateRow] = field(default_factory=list)
    #: The backtest on the viewer's own portfolio ({chosen, naive, accounts}), if not company-wide.
    portfolio: dict | None = None


@dataclass
class LastYearRow:
    account_id: int
    name: str
    forecast: object
    actual: object
    error: float | None


@dataclass
class ForecastCard:
    run: AnalysisRun | None
    horizons: list[HorizonCard]
    last_year: list[LastYearRow]
    last_year_source: str  # "run" (a stored run a year back) | "backtest" | ""
    last_year_run: AnalysisRun | None = None


def run_for_card(pk: int | None) -> AnalysisRun | None:
    if pk is None:
        return latest_run()
    return get_object_or_404(AnalysisRun, pk=pk, status=RunStatus.DONE)


def _label(name: str) -> str:
    return str(CANDIDATE_LABELS.get(name, name))


def _beats(score: dict, naive: dict | None) -> bool:
    if naive is None or score.get("spearman") is None or naive.get("spearman") is None:
        return False
    mine = score["spearman"] + (score["top10"] or 0)
    return mine > naive["spearman"] + (naive["top10"] or 0)


def horizon_card(key: str, data: dict) -> HorizonCard:
    candidates = data.get("candidates", {})
    naive = candidates.get("naive")
    rows = [
        CandidateRow(
            name=name,
            label=_label(name),
            spearman=score.get("spearman"),
            top10=score.get("top10"),
            total_error=score.get("total_error"),
            risers=score.get("risers"),
            chosen_ranking=name == data.get("ranking"),
            chosen_level=name == data.get("level"),
            beats_naive=name != "naive" and _beats(score, naive),
        )
        for name, score in candidates.items()
    ]
    return HorizonCard(
        horizon=key,
        label=str(HORIZON_LABELS.get(key, key)),
        ranking_label=_label(data.get("ranking", "naive")),
        level_label=_label(data.get("level", "naive")),
        naive_chosen=bool(data.get("naive_chosen")),
        cutoffs=int(data.get("cutoffs", 0)),
        # Runs stored before the totals were judged on some cuts only averaged them over all.
        total_cutoffs=int(data.get("total_cutoffs", data.get("cutoffs", 0))),
        backtest_horizons=list(data.get("backtest_horizons", [])),
        accounts=int(data.get("accounts", 0)),
        chosen=data.get("chosen"),
        naive=naive,
        real_risers=data.get("real_risers"),
        rows=rows,
    )


def _run_a_year_before(run: AnalysisRun) -> AnalysisRun | None:
    target = run.as_of - timedelta(days=365)
    window = timedelta(days=LAST_YEAR_TOLERANCE_DAYS)
    candidates = AnalysisRun.objects.filter(
        status=RunStatus.DONE, as_of__gte=target - window, as_of__lte=target + window
    )
    return min(candidates, key=lambda r: abs((r.as_of - target).days), default=None)


def _error(forecast_cents: int | None, actual_cents: int | None) -> float | None:
    if forecast_cents is None or not actual_cents:
        return None
    return (forecast_cents - actual_cents) / actual_cents


def _last_year_from_runs(user: User, run: AnalysisRun, before: AnalysisRun) -> list[LastYearRow]:
    visible = accounts_visible_to(user)
    then = (
        AccountResult.objects.filter(run=before, account__in=visible)
        .select_related("account")
        .order_by("rank_tomorrow")[:LAST_YEAR_TOP]
    )
    now = dict(
        AccountResult.objects.filter(
            run=run, account_id__in=[r.account_id for r in then]
        ).values_list("account_id", "revenue_12m_cents")
    )
    return [
        LastYearRow(
            r.account_id,
            r.account.name,
            r.expected_revenue_12m,
            cents_to_decimal(now.get(r.account_id, 0)),
            _error(r.expected_revenue_12m_cents, now.get(r.account_id, 0)),
        )
        for r in then
    ]


def _last_year_from_backtest(user: User, run: AnalysisRun) -> list[LastYearRow]:
    entries = run.forecast_choice.get("last_year", [])
    ids = [e["account_id"] for e in entries]
    names = dict(accounts_visible_to(user).filter(id__in=ids).values_list("id", "name"))
    return [
        LastYearRow(
            e["account_id"],
            names[e["account_id"]],
            cents_to_decimal(e["forecast_cents"]),
            cents_to_decimal(e["actual_cents"]),
            _error(e["forecast_cents"], e["actual_cents"]),
        )
        for e in entries
        if e["account_id"] in names
    ]


def forecast_card(*, user: User, run: AnalysisRun | None) -> ForecastCard:
    """The model card of `run` as `user` may see it."""
    if run is None:
        return ForecastCard(None, [], [], "")
    horizons = run.forecast_choice.get("horizons", {})
    cards = [horizon_card(key, horizons[key]) for key in ("12", "3") if key in horizons]
    if not permissions.can_see_company_portfolio(user):
        for card in cards:
            card.portfolio = horizons[card.horizon].get("portfolios", {}).get(str(user.pk))
    before = _run_a_year_before(run)
    if before is not None:
        return ForecastCard(run, cards, _last_year_from_runs(user, run, before), "run", before)
    last_year = _last_year_from_backtest(user, run)
    return ForecastCard(run, cards, last_year, "backtest" if last_year else "")
