"""Complaints in the global search (contract: kam.core.plugins): by number and subject."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.complaints.models import Complaint
from kam.core.plugins import SearchHit
from kam.search.index import SearchDocument, matches, ranked, visible_account_ids


def complaint_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    complaints = Complaint.objects.all() if ids is None else Complaint.objects.filter(pk__in=ids)
    rows = complaints.values_list("pk", "account_id", "number", "subject")
    for pk, account_id, number, subject in rows.iterator(chunk_size=5_000):
        yield SearchDocument("complaint", pk, account_id, subject, numbers=(number,))


SEARCH_SOURCES = {"complaint": complaint_documents}


def search(user, query: str) -> list[SearchHit]:
    found = matches("complaint", query, account_ids=visible_account_ids(user), limit=8)
    complaints = Complaint.objects.filter(pk__in=list(found)).select_related("account")
    return [
        SearchHit(
            kind="complaint",
            kind_label=_("Complaints"),
            title=f"{complaint.number} · {complaint.subject}",
            subtitle=f"{complaint.account.name} · {complaint.get_status_display()}",
            url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
            tier=tier,
        )
        for complaint, tier in ranked(complaints, found)
    ]
