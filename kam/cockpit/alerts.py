"""Alerts that need action from a key account manager or field rep, on their visible accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Least
from django.utils import timezone

from kam.activities.coverage import AccountCoverage, overdue_accounts
from kam.analysis.models import AccountResult, StatusProposal
from kam.analysis.selectors import editable_account_ids, proposals_visible_to
from kam.cockpit.selectors import Scope, dependency_alerts, previous_run, results
from kam.complaints.models import Complaint
from kam.complaints.selectors import complaints_visible_to, overdue_q

#: P(alive) falling by more than this (10 percentage points) between two runs is an alert.
P_ALIVE_DROP = 0.10
#: The 12-month forecast falling by more than this share between two runs is an alert.
FORECAST_DROP = 0.20
#: Complaints are "rising" on an account with at least this many in the last RISING_DAYS days,
#: more than in the RISING_DAYS days before.
RISING_MIN = 2
RISING_DAYS = 90
LIMIT = 10


@dataclass
class ActionAlerts:
    dropped: list[AccountResult] = field(default_factory=list)
    proposals: list[StatusProposal] = field(default_factory=list)
    proposal_count: int = 0
    editable_ids: set[int] = field(default_factory=set)
    dependency: list[dict] = field(default_factory=list)
    breached_complaints: list[BreachedComplaint] = field(default_factory=list)
    rising_complaints: list = field(default_factory=list)  # dicts: account, counts
    overdue_contacts: list[AccountCoverage] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.dropped)
            + self.proposal_count
            + len(self.dependency)
            + len(self.breached_complaints)
            + len(self.rising_complaints)
            + len(self.overdue_contacts)
        )


def dropped_accounts(scope: Scope, *, limit: int = LIMIT) -> list[AccountResult]:
    """Accounts whose P(alive) or forecast fell markedly since the run before (largest first)."""
    if scope.run is None or (before := previous_run(scope.run)) is None:
        return []
    earlier = AccountResult.objects.filter(run=before, account=OuterRef("account"))
    return list(
        results(scope)
        .annotate(
            p_alive_before=Subquery(earlier.values("p_alive")[:1]),
            forecast_before=Subquery(earlier.values("expected_revenue_12m_cents")[:1]),
        )
        .filter(
            Q(p_alive__lt=F("p_alive_before") - P_ALIVE_DROP)
            | Q(expected_revenue_12m_cents__lt=F("forecast_before") * (1 - FORECAST_DROP))
        )
        .select_related("account")
        .order_by("-forecast_before", "account_id")[:limit]
    )


def rising_complaints(scope: Scope, *, limit: int = LIMIT) -> list:
    """Accounts with more complaints recently than in the period before (one query)."""
    now = timezone.now()
    recent_start = now - timedelta(days=RISING_DAYS)
    earlier_start = recent_start - timedelta(days=RISING_DAYS)
    rows = (
        complaints_visible_to(scope.user)
        .filter(scope.filters.account_q("account__"), received_at__gte=earlier_start)
        .values("account_id", "account__name")
        .annotate(
            recent=Count("id", filter=Q(received_at__gte=recent_start)),
            earlier=Count("id", filter=Q(received_at__lt=recent_start)),
        )
        .filter(recent__gte=RISING_MIN, recent__gt=F("earlier"))
        .order_by("-recent", "account_id")[:limit]
    )
    return list(rows)


@dataclass(frozen=True)
class BreachedComplaint:
    """A complaint past its SLA with the deadline it missed ("acknowledge" or "resolve")."""

    complaint: Complaint
    missed: str
    due: datetime


def breached_complaints(scope: Scope) -> list[BreachedComplaint]:
    """Open complaints past a deadline, the longest overdue first, each with the deadline that
    was missed (not the resolution deadline that may still lie ahead)."""
    now = timezone.now()
    complaints = (
        complaints_visible_to(scope.user)
        .filter(scope.filters.account_q("account__"), overdue_q(now))
        .select_related("account")
        .order_by(Least("acknowledge_due", "resolve_due"))[:LIMIT]
    )
    found = [(c, c.missed_deadline(now)) for c in complaints]
    breached = [BreachedComplaint(c, *missed) for c, missed in found if missed]
    return sorted(breached, key=lambda item: item.due)


def action_alerts(scope: Scope) -> ActionAlerts:
    # The alert names the account only: the run (with its large JSON figures, sorted along
    # with every open proposal) and the deciding user are not read.
    proposals = (
        proposals_visible_to(scope.user, state="open")
        .filter(scope.filters.account_q("account__"))
        .select_related(None)
        .select_related("account")
    )
    shown = list(proposals[:LIMIT])
    return ActionAlerts(
        dropped=dropped_accounts(scope),
        proposals=shown,
        proposal_count=proposals.count() if len(shown) == LIMIT else len(shown),
        editable_ids=editable_account_ids(scope.user, shown) if shown else set(),
        dependency=dependency_alerts(scope),
        breached_complaints=breached_complaints(scope),
        rising_complaints=rising_complaints(scope),
        overdue_contacts=overdue_accounts(user=scope.user, within=scope.accounts, limit=LIMIT),
    )
