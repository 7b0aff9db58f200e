"""The account timeline's complaint entries (the contract is in kam.core.plugins)."""

from django.urls import reverse

from kam.complaints.selectors import account_complaints
from kam.core.plugins import TimelineEntry


def timeline_entries(account, user) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            when=complaint.received_at,
            kind="complaint",
            title=f"{complaint.number}: {complaint.subject}",
            detail=f"{complaint.get_status_display()} · {complaint.get_severity_display()}",
            url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
            icon="bi-exclamation-triangle",
        )
        for complaint in account_complaints(account, limit=100)
    ]
