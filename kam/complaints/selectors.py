"""Reads of complaints. Every read starts at the accounts the user may see."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_editable_by, accounts_visible_to
from kam.complaints.models import OPEN_STATUSES, Complaint, ComplaintCategory, Status
from kam.core import permissions
from kam.core.http import id_param
from kam.core.money import round_half_up
from kam.users.models import User


def complaint_workable_accounts(user: User | AnonymousUser) -> QuerySet[Account]:
    """Accounts on whose complaints a user may work: customer service on all it sees,
    everybody else on the accounts they may edit."""
    if permissions.can_work_on_every_visible_complaint(user):
        return accounts_visible_to(user)
    return accounts_editable_by(user)


def complaints_visible_to(user: User | AnonymousUser) -> QuerySet[Complaint]:
    return Complaint.objects.filter(account__in=accounts_visible_to(user))


def overdue_q(now: datetime) -> Q:
    """Open complaints past a deadline. While waiting for the customer the clock stands still,
    so a waiting complaint is overdue only if it was overdue when the wait began."""

    def late(moment: Any) -> Q:
        return Q(resolve_due__lt=moment) | Q(
            acknowledged_at__isnull=True, acknowledge_due__lt=moment
        )

    running = Q(paused_since__isnull=True) & late(now)
    waiting = Q(paused_since__isnull=False) & late(F("paused_since"))
    return Q(status__in=OPEN_STATUSES) & (running | waiting)


@dataclass(frozen=True)
class ComplaintFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    category: str = ""
    owner: str = ""
    overdue: bool = False
    account: str = ""
    sort: str = "-received"


SORTS = {
    "received": ("received_at", "id"),
    "-received": ("-received_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "account": ("account__name", "-received_at"),
    "-account": ("-account__name", "-received_at"),
    "severity": ("severity", "-received_at"),
    "due": ("resolve_due", "id"),
    "-due": ("-resolve_due", "-id"),
    "value": ("affected_value", "id"),
    "-value": ("-affected_value", "-id"),
}
SEVERITY_ORDER = ("critical", "high", "medium", "low")


def complaint_list(*, user: User, filters: ComplaintFilter) -> QuerySet[Complaint]:
    complaints = complaints_visible_to(user).select_related("account", "category", "owner")
    if filters.q:
        complaints = complaints.filter(
            Q(number__icontains=filters.q)
            | Q(account__name__icontains=filters.q)
            | Q(account__customer_number__istartswith=filters.q)
            | Q(subject__icontains=filters.q)
        )
    if filters.status == "open":
        complaints = complaints.filter(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        complaints = complaints.filter(status=filters.status)
    if filters.severity:
        complaints = complaints.filter(severity=filters.severity)
    if (category := id_param(filters.category)) is not None:
        complaints = complaints.filter(category_id=category)
    if (owner := id_param(filters.owner)) is not None:
        complaints = complaints.filter(owner_id=owner)
    if (account := id_param(filters.account)) is not None:
        complaints = complaints.filter(account_id=account)
    if filters.overdue:
        complaints = complaints.filter(overdue_q(timezone.now()))
    return complaints.order_by(*SORTS.get(filters.sort, SORTS["-received"]))


def complaint_get(*, user: User, pk: int) -> Complaint:
    """One visible complaint, or 404: a complaint on another manager's account is not found."""
    return get_object_or_404(
        complaints_visible_to(user).select_related(
            "account__owner", "stakeholder", "owner", "category", "root_cause", "created_by"
        ),
        pk=pk,
    )


def complaint_get_workable(*, user: User, pk: int) -> Complaint:
    """404 for what the user cannot see, 403 for what they may only look at."""
    complaint = complaint_get(user=user, pk=pk)
    if not permissions.can_work_on_complaints(user, complaint.account):
        raise PermissionDenied
    return complaint


def complaint_is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    return Complaint.objects.filter(overdue_q(now or timezone.now()), pk=complaint.pk).exists()


def complaint_filter_choices(user: User) -> dict:
    owners = (
        User.objects.filter(owned_complaints__in=complaints_visible_to(user))
        .distinct()
        .order_by("last_name")
    )
    return {
        "categories": list(ComplaintCategory.objects.filter(active=True)),
        "owners": list(owners.only("id", "first_name", "last_name", "username")),
    }


@dataclass(frozen=True)
class ComplaintFigures:
    """Complaint figures of one account, for the cockpit, KPI tables and evaluations."""

    open_count: int = 0
    open_breached_count: int = 0
    last_12_months_count: int = 0
    last_12_months_value: Decimal = Decimal("0")

    @property
    def monthly_rate(self) -> Decimal:
        """Complaints per month over the last twelve months."""
        return round_half_up(Decimal(self.last_12_months_count) / 12, 2)


def complaint_figures_for_accounts(
    account_ids: list[int] | set[int], now: datetime | None = None
) -> dict[int, ComplaintFigures]:
    """Per account: open complaints, of those with a breached SLA, complaints and affected value
    in the last twelve months. One query; accounts without complaints get zeros.

    The caller has scoped `account_ids` with accounts_visible_to(user).
    """
    now = now or timezone.now()
    year_ago = now - timedelta(days=365)
    recent = Q(received_at__gte=year_ago)
    rows = (
        Complaint.objects.filter(account_id__in=list(account_ids))
        .values("account_id")
        .annotate(
            open_count=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            open_breached_count=Count("id", filter=overdue_q(now)),
            last_12_months_count=Count("id", filter=recent),
            last_12_months_value=Sum("affected_value", filter=recent),
        )
    )
    figures = {account_id: ComplaintFigures() for account_id in account_ids}
    for row in rows:
        figures[row["account_id"]] = ComplaintFigures(
            open_count=row["open_count"],
            open_breached_count=row["open_breached_count"],
            last_12_months_count=row["last_12_months_count"],
            last_12_months_value=row["last_12_months_value"] or Decimal("0"),
        )
    return figures


def account_complaints(account: Account, limit: int = 20) -> list[Complaint]:
    return list(
        account.complaints.select_related("category", "owner").order_by("-received_at")[:limit]
    )


def complaint_counts_by_account(*, since: date, until: date) -> dict[int, int]:
    """Complaints received after `since` up to and including `until`, per account id, over all
    accounts (one query): an input of the analysis, never shown to a user as such."""
    received = Complaint.objects.filter(received_at__date__gt=since, received_at__date__lte=until)
    return dict(
        received.values("account_id").annotate(n=Count("id")).values_list("account_id", "n")
    )
