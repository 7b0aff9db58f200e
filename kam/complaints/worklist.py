"""Complaints in the worklist (contract: kam.core.plugins.worklist): the user's own open
complaints by their next deadline, overdue first; for key account managers and field reps also
the breached complaints on their accounts; for leadership every breached complaint."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kam.complaints.models import OPEN_STATUSES, Complaint
from kam.complaints.selectors import complaints_visible_to, overdue_q
from kam.core import permissions
from kam.core.plugins import WORKLIST_LIMIT, WorkItem

_DAY = timedelta(days=1)


def next_deadline(complaint: Complaint):
    """The deadline that counts now: acknowledging until acknowledged, then resolving."""
    if complaint.acknowledged_at is None:
        return complaint.acknowledge_due
    return complaint.resolve_due


def _mine(user) -> QuerySet[Complaint]:
    visible = complaints_visible_to(user).filter(status__in=OPEN_STATUSES)
    overdue = overdue_q(timezone.now())
    if permissions.works_on_own_accounts(user):
        return visible.filter(Q(owner=user) | (Q(account__owner=user) & overdue))
    if permissions.can_see_company_portfolio(user):
        return visible.filter(Q(owner=user) | overdue)
    return visible.filter(owner=user)


def worklist_items(user) -> list[WorkItem]:
    if not user.is_authenticated:
        return []
    now = timezone.now()
    complaints = list(
        _mine(user).select_related("account").prefetch_related("pauses").order_by("resolve_due")
    )
    overdue_ids = set(
        Complaint.objects.filter(overdue_q(now), pk__in=[c.pk for c in complaints]).values_list(
            "pk", flat=True
        )
    )
    complaints.sort(key=lambda c: (c.pk not in overdue_ids, next_deadline(c)))
    items = []
    for complaint in complaints[:WORKLIST_LIMIT]:
        deadline = next_deadline(complaint)
        late = complaint.pk in overdue_ids
        items.append(
            WorkItem(
                kind="complaint",
                title=f"{complaint.number} {complaint.subject}",
                url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
                due=timezone.localdate(deadline),
                severity="danger" if late else "warning" if deadline < now + _DAY else "info",
                account_name=complaint.account.name,
            )
        )
    return items


def accounts_handled_by(user) -> QuerySet:
    """The accounts of the user's open complaints, in German order: whom service works for."""
    from kam.accounts.selectors import accounts_visible_to
    from kam.search.collation import german

    return (
        accounts_visible_to(user)
        .filter(complaints__owner=user, complaints__status__in=OPEN_STATUSES)
        .distinct()
        .select_related("owner")
        .order_by(german("name"), "id")
    )
