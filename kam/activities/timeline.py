"""The timeline provider of activities, status changes and imports, and the kinds every page
can filter by. The timeline contract (`TimelineEntry`, `timeline_entries`) is in kam.core.plugins.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts.models import Account, KeyAccountStatus
from kam.core.audit import Source
from kam.core.models import BulkEvent
from kam.core.plugins import TimelineEntry, account_timeline
from kam.users.models import User

#: Kinds every page can filter by; providers may add kinds of their own.
KINDS = {
    "activity": gettext_lazy("Activities"),
    "status": gettext_lazy("Status changes"),
    "import": gettext_lazy("Imports"),
    "complaint": gettext_lazy("Complaints"),
}


def _activity_entries(account: Account, limit: int) -> list[TimelineEntry]:
    activities = account.activities.select_related("owner").order_by("-starts_at")[:limit]
    return [
        TimelineEntry(
            when=activity.starts_at,
            kind="activity",
            title=f"{activity.get_kind_display()}: {activity.subject}",
            detail=f"{activity.get_status_display()} · {activity.owner}",
            url=reverse("activities:detail", kwargs={"pk": activity.pk}),
            icon="bi-chat-dots",
        )
        for activity in activities
    ]


def _status_label(value: str) -> str:
    return str(KeyAccountStatus(value).label) if value in KeyAccountStatus.values else value


def _status_entries(account: Account, limit: int) -> list[TimelineEntry]:
    records = Account.history.filter(id=account.pk).order_by("history_date", "history_id")
    entries, previous = [], None
    for record in records.only("status", "history_date", "history_type", "history_user_id")[:2000]:
        if previous is not None and record.status != previous:
            entries.append(
                TimelineEntry(
                    when=record.history_date,
                    kind="status",
                    title=_("Status: %(old)s → %(new)s")
                    % {"old": _status_label(previous), "new": _status_label(record.status)},
                    icon="bi-flag",
                )
            )
        previous = record.status
    return entries[-limit:]


def _import_entries(account: Account, limit: int) -> list[TimelineEntry]:
    # account_ids is a JSON list: matched in Python, over the most recent imports only.
    events = BulkEvent.objects.filter(source=Source.IMPORT).order_by("-created_at")[:500]
    return [
        TimelineEntry(
            when=event.created_at,
            kind="import",
            title=event.action,
            detail=event.summary,
            icon="bi-upload",
        )
        for event in events
        if account.pk in (event.account_ids or [])
    ][:limit]


def timeline_entries(account: Account, user: User) -> list[TimelineEntry]:
    limit = 200
    return (
        _activity_entries(account, limit)
        + _status_entries(account, limit)
        + _import_entries(account, limit)
    )


__all__ = ["KINDS", "TimelineEntry", "account_timeline", "timeline_entries"]
