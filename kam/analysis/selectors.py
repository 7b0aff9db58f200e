"""Reads of stored analysis results: always through the accounts a user may see.

The cockpit and other pages build on `latest_run()`, `latest_results_for(accounts)`,
`account_result_history(account)` and `loss_scenario(run, account)`; they never recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids, accounts_editable_by, accounts_visible_to
from kam.analysis.models import (
    AccountRating,
    AccountResult,
    AnalysisRun,
    AnalysisSettings,
    ProposalState,
    RunStatus,
    StatusProposal,
)
from kam.core.money import cents_to_decimal
from kam.core.plugins import app_hooks
from kam.users.models import User
from kam_analytics import loss_scenario as analytics_loss_scenario


def analysis_settings_get() -> AnalysisSettings:
    """The singleton settings row, created with the defaults on first use."""
    settings, _created = AnalysisSettings.objects.get_or_create(pk=1)
    return settings


def latest_run() -> AnalysisRun | None:
    """The finished run with the newest as-of date (the newest of those if there are several)."""
    return _finished_runs().first()


def latest_run_id() -> int | None:
    """The id of `latest_run()`, without reading the run's figures (large JSON)."""
    return _finished_runs().values_list("pk", flat=True).first()


def _finished_runs() -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(status=RunStatus.DONE).order_by(
        "-as_of", "-finished_at", "-pk"
    )


def latest_results_for(accounts: QuerySet[Account]) -> QuerySet[AccountResult]:
    """The latest run's results of the given accounts (pass accounts_visible_to(user)...)."""
    run = latest_run()
    if run is None:
        return AccountResult.objects.none()
    results = AccountResult.objects.filter(run=run, account__in=accounts).defer("period_sums")
    return results.select_related("account")


def account_latest_result(account: Account) -> AccountResult | None:
    run = latest_run()
    if run is None:
        return None
    return AccountResult.objects.filter(run=run, account=account).select_related("run").first()


def account_result_history(account: Account, *, limit: int = 24) -> list[AccountResult]:
    """The account's results of the last `limit` finished runs, newest first."""
    return list(
        AccountResult.objects.filter(account=account, run__status=RunStatus.DONE)
        .select_related("run")
        .order_by("-run__as_of", "-run__pk")[:limit]
    )


def with_area_reasons(results):
    """The results (of finished runs), each with the product areas the account buys more or
    less of in the 12 months up to its run's window (plug-in `product_trends.area_trends`)."""
    from kam.sales.figures import last_complete_month

    results = list(results)
    as_of = dict(
        AnalysisRun.objects.filter(pk__in={r.run_id for r in results}).values_list("pk", "as_of")
    )
    by_month: dict = {}
    for result in results:
        by_month.setdefault(last_complete_month(as_of[result.run_id]), []).append(result)
    for last_month, same in by_month.items():
        ids = {result.account_id for result in same}
        found: dict[int, list[dict]] = {}
        for provider in app_hooks("product_trends", "area_trends"):
            for account_id, reasons in provider(account_ids=ids, last_month=last_month).items():
                found.setdefault(account_id, []).extend(reasons)
        for result in same:
            result.area_reasons = found.get(result.account_id, [])
    return results


def account_rating_get(account: Account) -> AccountRating | None:
    return AccountRating.objects.filter(account=account).first()


def account_open_proposals(account: Account) -> list[StatusProposal]:
    return list(account.status_proposals.filter(state=ProposalState.OPEN).select_related("run"))


def proposals_visible_to(user: User, *, state: str = "", q: str = "") -> QuerySet[StatusProposal]:
    proposals = StatusProposal.objects.filter(account__in=accounts_visible_to(user)).select_related(
        "account", "account__owner", "decided_by", "run"
    )
    if state in ProposalState.values:
        proposals = proposals.filter(state=state)
    if q:
        proposals = proposals.filter(
            Q(account__name__icontains=q) | Q(account__customer_number__istartswith=q)
        )
    return proposals.order_by("-created_at", "-pk")


def editable_account_ids(user: User, proposals) -> set[int]:
    """Of the proposals' accounts, those the user may change (one query for a whole page)."""
    ids = {proposal.account_id for proposal in proposals}
    return set(accounts_editable_by(user).filter(id__in=ids).values_list("id", flat=True))


def proposal_get_visible(*, user: User, pk: int) -> StatusProposal:
    return get_object_or_404(proposals_visible_to(user), pk=pk)


@dataclass(frozen=True)
class AccountLoss:
    """What the company keeps if an account (with every member below it) is lost."""

    accounts_lost: int
    revenue_before: Decimal
    revenue_after: Decimal
    lost_revenue: Decimal
    lost_revenue_share: float
    margin_before: Decimal
    margin_after: Decimal
    lost_margin: Decimal
    herfindahl_before: float
    herfindahl_after: float


def _money(cents: float) -> Decimal:
    return cents_to_decimal(int(round(cents))) or Decimal(0)


def loss_scenario(run: AnalysisRun, account: Account) -> AccountLoss:
    """Lose `account` and, for a group, every account below it: revenue and margin of the run.

    Margin figures are in the result: show them only to users who may see margins. Raises
    kam_analytics.AnalyticsInputError when the scenario would lose every account with revenue.
    """
    rows = np.array(
        list(run.results.values_list("account_id", "revenue_12m_cents", "margin_12m_cents")),
        dtype=np.int64,
    ).reshape(-1, 3)
    lost = np.isin(rows[:, 0], account_group_ids(account.pk))
    scenario = analytics_loss_scenario(
        rows[:, 1].astype(np.float64), rows[:, 2].astype(np.float64), lost
    )
    return AccountLoss(
        accounts_lost=int(lost.sum()),
        revenue_before=_money(scenario.revenue_before),
        revenue_after=_money(scenario.revenue_after),
        lost_revenue=_money(scenario.lost_revenue),
        lost_revenue_share=scenario.lost_revenue_share,
        margin_before=_money(scenario.margin_before),
        margin_after=_money(scenario.margin_after),
        lost_margin=_money(scenario.lost_margin),
        herfindahl_before=scenario.herfindahl_before,
        herfindahl_after=scenario.herfindahl_after,
    )
