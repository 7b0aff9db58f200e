"""The account timeline's offer and agreement entries (the contract is in kam.core.plugins)."""

from django.urls import reverse

from kam.conditions.models import AgreementEvent, OfferEvent
from kam.core import permissions
from kam.core.plugins import TimelineEntry


def timeline_entries(account, user) -> list[TimelineEntry]:
    if not permissions.can_view_conditions(user):
        return []
    entries = [
        TimelineEntry(
            when=event.at,
            kind="offer",
            title=f"{event.offer.number}: {event.offer.title}",
            detail=event.get_to_status_display(),
            url=reverse("conditions:offer_detail", kwargs={"pk": event.offer_id}),
            icon="bi-file-earmark-text",
        )
        for event in OfferEvent.objects.filter(offer__account=account)
        .select_related("offer")
        .order_by("-at")[:100]
    ]
    entries += [
        TimelineEntry(
            when=event.at,
            kind="agreement",
            title=event.agreement.title,
            detail=event.get_to_status_display(),
            url=reverse("conditions:agreement_detail", kwargs={"pk": event.agreement_id}),
            icon="bi-award",
        )
        for event in AgreementEvent.objects.filter(agreement__account=account)
        .select_related("agreement")
        .order_by("-at")[:100]
    ]
    return entries
