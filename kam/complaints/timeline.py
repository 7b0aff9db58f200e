"""The account timeline's complaint entries (see kam.activities.timeline)."""

from django.urls import reverse

from kam.activities.timeline import TimelineEntry
from kam.complaints.selectors import account_complaints


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
