"""Status proposals in the worklist (contract: kam.core.plugins.worklist): the open proposals
the user may decide, as one item waiting since the oldest of them."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from kam.accounts.selectors import accounts_editable_by
from kam.analysis.models import ProposalState, StatusProposal
from kam.core.plugins import WorkItem


def worklist_items(user) -> list[WorkItem]:
    if not user.is_authenticated:
        return []
    waiting = StatusProposal.objects.filter(
        state=ProposalState.OPEN, account__in=accounts_editable_by(user)
    ).aggregate(count=Count("pk"), oldest=Min("created_at"))
    count = waiting["count"]
    if not count:
        return []
    title = ngettext(
        "%(count)d status proposal waiting for your decision",
        "%(count)d status proposals waiting for your decision",
        count,
    ) % {"count": count}
    return [
        WorkItem(
            kind="proposal",
            title=title,
            url=reverse("analysis:proposals"),
            due=timezone.localdate(waiting["oldest"]),
            severity="warning",
        )
    ]
