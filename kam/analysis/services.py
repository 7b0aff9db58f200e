"""Writes of the analysis: runs and their results, settings, ratings, status proposals."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.accounts.models import Account
from kam.accounts.services import account_update
from kam.analysis.engine import AnalysisOutcome, compute_analysis, period_sums
from kam.analysis.models import (
    PROFITABILITY_BELOW,
    PROFITABILITY_NOT_BELOW,
    PROPOSAL_REASON,
    AccountRating,
    AccountResult,
    AnalysisRun,
    AnalysisSettings,
    ProposalState,
    RunStatus,
    RunTrigger,
    StatusProposal,
)
from kam.analysis.prediction import Prediction
from kam.analysis.selectors import analysis_settings_get
from kam.core.texts import render, renderer
from kam.notifications.services import notify
from kam.users.models import User
from kam_analytics.profitability import mean_by_class

logger = logging.getLogger(__name__)
INSERT_BATCH = 5_000


def analysis_compute(*, as_of: date) -> AnalysisOutcome:
    """Compute an analysis with the current settings without storing it (NoFactsError if empty)."""
    return compute_analysis(as_of=as_of, settings=analysis_settings_get().snapshot())


def analysis_run(
    *, as_of: date, trigger: str = RunTrigger.CLI, user: User | None = None
) -> tuple[AnalysisRun, AnalysisOutcome]:
    """Compute and store one run. A failure is recorded on the run and raised again.

    Raises engine.NoFactsError (before creating a run) when nothing was sold before as_of.
    """
    snapshot = analysis_settings_get().snapshot()
    outcome = compute_analysis(as_of=as_of, settings=snapshot)
    run = AnalysisRun.objects.create(
        as_of=as_of,
        started_at=timezone.now(),
        trigger=trigger,
        started_by=user,
        currency=django_settings.KAM_COMPANY_CURRENCY,
        settings_snapshot=snapshot,
    )
    try:
        run_store(run=run, outcome=outcome)
    except Exception as error:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    return run, outcome


@transaction.atomic
def run_store(*, run: AnalysisRun, outcome: AnalysisOutcome) -> AnalysisRun:
    """Store the outcome's figures on the run, its results in bulk, and sync the proposals."""
    sums, run.period_totals = _period_sums(outcome)
    _insert_results(run, outcome, sums)
    proposals_sync(run=run, outcome=outcome)
    run.account_count = len(outcome.account_ids)
    run.revenue_12m_cents = int(outcome.revenue_12m.sum())
    run.margin_12m_cents = int(outcome.margin_12m.sum())
    run.concentration = outcome.concentration
    run.lorenz = outcome.lorenz
    run.alerts = alerts_as_json(outcome)
    run.abc_xyz = outcome.abc_xyz
    run.fits = outcome.forecast.fits
    run.forecast_choice = outcome.prediction.choice if outcome.prediction else {}
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save()
    _analyze_results()
    return run


def _analyze_results() -> None:
    """Fresh statistics for the tables a run fills: without them PostgreSQL plans the first
    pages after a run (the cockpit's scoped reads of results and open proposals) for the rows
    it counted before, e.g. a nested loop over 7,700 proposals instead of a hash join (1.5 s
    instead of milliseconds); autovacuum may come minutes later, or be off."""
    if connection.vendor == "postgresql":
        tables = (AccountResult._meta.db_table, StatusProposal._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def _nullable(values: np.ndarray, digits: int | None = None) -> list:
    rounded = np.round(values, digits) if digits is not None else values
    return _none_where_nan(rounded.tolist(), rounded)


def _cents(values: np.ndarray) -> list:
    rounded = np.round(values)
    known = ~np.isnan(rounded)
    if not np.isfinite(rounded[known]).all():  # int() of an infinity raises, as it should
        return [None if np.isnan(v) else int(v) for v in rounded.tolist()]
    return _none_where_nan(np.where(known, rounded, 0).astype(np.int64).tolist(), rounded)


def _none_where_nan(column: list, values: np.ndarray) -> list:
    """`column` (values as Python objects) with None where `values` is NaN: one pass in numpy
    instead of a test per value (0.1 s a column of 100,000)."""
    for row in np.flatnonzero(np.isnan(values)).tolist():
        column[row] = None
    return column


RESULT_COLUMNS = (
    "run_id",
    "account_id",
    "revenue_12m_cents",
    "margin_12m_cents",
    "revenue_prev_12m_cents",
    "abc_revenue",
    "abc_margin",
    "xyz",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "last_purchase",
    "share_revenue",
    "share_margin",
    "p_alive",
    "expected_transactions_12m",
    "expected_revenue_12m_cents",
    "expected_margin_12m_cents",
    "forecast_low_cents",
    "forecast_high_cents",
    "clv_12m_cents",
    "score",
    "rank_today",
    "rank_tomorrow",
    "attractiveness",
    "position",
    "quadrant",
    "status_proposal",
    "expected_revenue_3m_cents",
    "forecast_new_account",
    "forecast_riser",
    "forecast_reasons",
    "period_sums",
)


def _result_columns(run: AnalysisRun, outcome: AnalysisOutcome) -> list[list]:
    """One list per column: numpy turns each into Python values in one call, not per cell."""
    n = len(outcome.account_ids)
    forecast, rfm = outcome.forecast, outcome.rfm
    nothing = [None] * n
    return [
        [run.pk] * n,
        outcome.account_ids.tolist(),
        outcome.revenue_12m.tolist(),
        outcome.margin_12m.tolist(),
        outcome.revenue_prev_12m.tolist(),
        outcome.abc_revenue.tolist(),
        outcome.abc_margin.tolist(),
        outcome.xyz.tolist(),
        rfm.recency.tolist(),  # type: ignore[attr-defined]
        rfm.frequency.tolist(),  # type: ignore[attr-defined]
        rfm.monetary.tolist(),  # type: ignore[attr-defined]
        rfm.segment.tolist(),  # type: ignore[attr-defined]
        outcome.facts.last_purchase.astype(str).tolist(),
        np.round(outcome.share_revenue, 8).tolist(),
        np.round(outcome.share_margin, 8).tolist(),
        _nullable(forecast.p_alive, 6),
        _nullable(forecast.expected_transactions, 4),
        np.round(forecast.expected_revenue).astype(np.int64).tolist(),
        np.round(forecast.expected_margin).astype(np.int64).tolist(),
        nothing if forecast.low is None else _cents(forecast.low),
        nothing if forecast.high is None else _cents(forecast.high),
        _cents(forecast.clv),
        _nullable(outcome.score, 3),
        outcome.rank_today.tolist(),
        forecast.rank.tolist(),
        _nullable(outcome.attractiveness, 3),
        _nullable(outcome.position, 3),
        outcome.quadrant.tolist(),
        outcome.proposed_status.tolist(),
        *_prediction_columns(outcome.prediction, n),
    ]


def _prediction_columns(prediction: Prediction | None, n: int) -> list[list]:
    if prediction is None:
        return [[None] * n, [False] * n, [False] * n, ["[]"] * n]
    return [
        _cents(prediction.expected_3m),
        prediction.new_account.tolist(),
        prediction.riser.tolist(),
        prediction.reasons_json
        if prediction.reasons_json is not None
        else [json.dumps(reasons) for reasons in prediction.reasons],
    ]


def _insert_results(run: AnalysisRun, outcome: AnalysisOutcome, period_sums: list) -> None:
    columns = [*_result_columns(run, outcome), period_sums]
    _insert(AccountResult, RESULT_COLUMNS, list(zip(*columns, strict=True)))


def _period_sums(outcome: AnalysisOutcome) -> tuple[list[str | None], dict[str, int]]:
    """See `engine.period_sums`: computed by the run while its forecast is chosen, else here."""
    if outcome.period_sums is not None:
        return outcome.period_sums
    return period_sums(outcome.facts, outcome.as_of)


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany in batches: 100,000 rows in about a second, where save() would take minutes."""
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 (names come from the models)
        f"({', '.join(quote(name) for name in columns)}) VALUES ({placeholders})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(sql, rows[start : start + INSERT_BATCH])


def alerts_as_json(outcome: AnalysisOutcome) -> list[dict]:
    """Dependency alerts with the account's (or group top's) number and name."""
    subjects = {int(a.subject) for a in outcome.alerts if a.kind != "top5"}
    accounts = {
        a["id"]: a
        for a in Account.objects.filter(id__in=subjects).values("id", "customer_number", "name")
    }
    result = []
    for alert in outcome.alerts:
        entry = {
            "kind": "top5" if alert.kind == "top5" else "dependency",
            "account_id": None,
            "number": None,
            "name": None,
            "group": alert.kind == "group",
            "measure": alert.measure,
            "share": round(alert.share, 6),
            "threshold": alert.threshold,
        }
        if alert.kind != "top5":
            account = accounts[int(alert.subject)]
            entry |= {
                "account_id": account["id"],
                "number": account["customer_number"],
                "name": account["name"],
            }
        result.append(entry)
    return result


def _proposal_reason(
    outcome: AnalysisOutcome,
    row: int,
    class_margins: dict[str, float] | None,
    write: Callable[[dict], str],
) -> str:
    """Stored in the language of the run, one sentence a line; `StatusProposal.reason_text`
    shows it in the reader's. `write`: the renderer of PROPOSAL_REASON."""
    lines = [
        write(
            {
                "score": outcome.score[row],
                "abc": outcome.abc_revenue[row],
                "rank": outcome.rank_today[row],
                "tomorrow": outcome.forecast.rank[row],
            },
        )
    ]
    if class_margins is not None:
        lines += _profitability_reason(outcome, row, class_margins)
    return "\n".join(lines)


def _class_margins(outcome: AnalysisOutcome) -> dict[str, float] | None:
    """The mean DB IV margin per ABC class, when the profitability criterion weighs in the
    score (None otherwise: a proposal then does not cite it)."""
    margins = outcome.app_criteria.get("profitability")
    if margins is None or not outcome.settings["weights"].get("profitability"):
        return None
    return mean_by_class(margins, outcome.abc_revenue)


def _profitability_reason(
    outcome: AnalysisOutcome, row: int, class_margins: dict[str, float]
) -> list[str]:
    """The account's DB IV margin against its class's mean, if it has statements."""
    margin = float(outcome.app_criteria["profitability"][row])
    abc = str(outcome.abc_revenue[row])
    if np.isnan(margin) or abc not in class_margins:
        return []
    average = class_margins[abc]
    message = PROFITABILITY_BELOW if margin < average else PROFITABILITY_NOT_BELOW
    return [render(message, {"margin": 100 * margin, "abc": abc, "average": 100 * average})]


def proposals_sync(*, run: AnalysisRun, outcome: AnalysisOutcome) -> None:
    """Open proposals the run makes anew; withdraw open ones it no longer makes."""
    proposed = {
        int(outcome.account_ids[row]): (row, str(outcome.proposed_status[row]))
        for row in np.flatnonzero(outcome.proposed_status != "")
    }
    kept, withdrawn = set(), []
    open_now = StatusProposal.objects.filter(state=ProposalState.OPEN)
    for pk, account_id, to_status in open_now.values_list("pk", "account_id", "to_status"):
        if proposed.get(account_id, (0, ""))[1] == to_status:
            kept.add(account_id)
        else:
            withdrawn.append(pk)
    for start in range(0, len(withdrawn), 900):  # below SQLite's limit of query parameters
        StatusProposal.objects.filter(pk__in=withdrawn[start : start + 900]).update(
            state=ProposalState.WITHDRAWN
        )
    quiet_since = timezone.now() - timedelta(days=StatusProposal.DECLINE_QUIET_DAYS)
    declined = set(
        StatusProposal.objects.filter(
            state=ProposalState.DECLINED, decided_at__gte=quiet_since
        ).values_list("account_id", "to_status")
    )
    now = _adapted_once(timezone.now())
    class_margins = _class_margins(outcome)
    write = renderer(PROPOSAL_REASON)
    _insert(
        StatusProposal,
        ("account_id", "run_id", "from_status", "to_status", "reason", "state", "created_at"),
        [
            (
                account_id,
                run.pk,
                str(outcome.current_status[row]),
                to_status,
                _proposal_reason(outcome, int(row), class_margins, write),
                ProposalState.OPEN.value,
                now,
            )
            for account_id, (row, to_status) in proposed.items()
            if account_id not in kept and (account_id, to_status) not in declined
        ],
    )
    proposals_notify(run=run)


def _adapted_once(value: Any) -> Any:
    """`value` for a parameter repeated in every row, as the driver adapts it: Python's sqlite3
    would call Django's adapter once a row (0.1-0.2 s for 50,000 proposals), psycopg adapts
    in C."""
    if connection.vendor != "sqlite":
        return value
    adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
    return value if adapt is None else adapt(value)


def proposals_notify(*, run: AnalysisRun) -> None:
    """One notification per account owner for the proposals this run opened on their accounts."""
    owners: dict[int, list[int]] = {}
    opened = StatusProposal.objects.filter(
        run=run, state=ProposalState.OPEN, account__owner__isnull=False
    )
    for owner_id, proposal_id in opened.values_list("account__owner_id", "pk"):
        owners.setdefault(owner_id, []).append(proposal_id)
    if not owners:
        return  # (reverse() would load every app's URLs: over a second in a fresh worker)
    url = reverse("analysis:proposals")
    for owner in User.objects.filter(pk__in=list(owners), is_active=True):
        count = len(owners[owner.pk])
        with translation.override(owner.language or django_settings.LANGUAGE_CODE):
            title = ngettext(
                "%(count)d new status proposal to confirm",
                "%(count)d new status proposals to confirm",
                count,
            ) % {"count": count}
        notify(recipient=owner, kind="proposal", title=title, url=url, key=f"proposals:{run.pk}")


def runs_prune(*, keep_latest: int | None = None) -> int:
    """Deletes the analysis runs, with their per-account results, that nobody needs any more;
    returns how many.

    Kept: the latest ``keep_latest`` runs (default KAM_ANALYSIS_KEEP_RUNS), the last finished
    run of every month (an account's history shows them), every run that opened status
    proposals (their decisions refer to it) and runs started in the last day that are still
    running. A nightly run and one after every import would otherwise add 100,000 results a day
    for a large portfolio.
    """
    if keep_latest is None:
        keep_latest = django_settings.KAM_ANALYSIS_KEEP_RUNS
    runs = list(
        AnalysisRun.objects.order_by("-as_of", "-started_at", "-pk").values_list(
            "pk", "as_of", "status", "started_at"
        )
    )
    keep = {pk for pk, *_ in runs[:keep_latest]}
    months: set[tuple[int, int]] = set()
    for pk, as_of, status, _started in runs:
        if status == RunStatus.DONE and (as_of.year, as_of.month) not in months:
            months.add((as_of.year, as_of.month))
            keep.add(pk)
    keep |= set(StatusProposal.objects.values_list("run_id", flat=True).distinct())
    day_ago = timezone.now() - timedelta(days=1)
    keep |= {
        pk
        for pk, _as_of, status, started in runs
        if status == RunStatus.RUNNING and started > day_ago
    }
    doomed = [pk for pk, *_ in runs if pk not in keep]
    with transaction.atomic():
        for start in range(0, len(doomed), 900):  # below SQLite's limit of query parameters
            batch = doomed[start : start + 900]
            AccountResult.objects.filter(run_id__in=batch).delete()
            AnalysisRun.objects.filter(pk__in=batch).delete()
    if doomed:
        logger.info("Deleted %s analysis runs no longer needed.", len(doomed))
    return len(doomed)


def _decide(proposal: StatusProposal, *, user: User, state: str) -> StatusProposal:
    fresh = StatusProposal.objects.select_for_update().get(pk=proposal.pk)
    if fresh.state != ProposalState.OPEN:
        raise ValidationError(_("This proposal has already been decided."))
    fresh.state, fresh.decided_by, fresh.decided_at = state, user, timezone.now()
    fresh.full_clean()
    fresh.save(update_fields=["state", "decided_by", "decided_at"])
    return fresh


@transaction.atomic
def status_proposal_confirm(*, proposal: StatusProposal, user: User) -> StatusProposal:
    """Accept the proposal: the account gets the proposed status (recorded in its history)."""
    decided = _decide(proposal, user=user, state=ProposalState.CONFIRMED)
    account = Account.objects.select_for_update().get(pk=decided.account_id)
    account_update(account=account, data={"status": decided.to_status})
    return decided


@transaction.atomic
def status_proposal_decline(*, proposal: StatusProposal, user: User) -> StatusProposal:
    """Reject the proposal; the same change is not proposed again for a while."""
    return _decide(proposal, user=user, state=ProposalState.DECLINED)


@transaction.atomic
def analysis_settings_update(*, data: dict[str, Any]) -> AnalysisSettings:
    current = analysis_settings_get()
    changed = [name for name, value in data.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, data[name])
    if changed:
        current.full_clean()
        current.save()
    return current


@transaction.atomic
def account_rating_save(*, account: Account, user: User, data: dict[str, Any]) -> AccountRating:
    rating = AccountRating.objects.filter(account=account).first() or AccountRating(account=account)
    for name in AccountRating.RATED_FIELDS:
        setattr(rating, name, data.get(name))
    rating.updated_by = user
    rating.full_clean()
    rating.save()
    return rating
