"""Reads of the campaigns domain, always through accounts_visible_to(user)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kam.accounts.models import Stakeholder
from kam.accounts.selectors import stakeholders_visible_to
from kam.campaigns.gate import Decision, current_records, decide
from kam.campaigns.models import Channel, ConsentRecord, ConsentWording, Purpose
from kam.users.models import User


def stakeholder_get(*, user: User, pk: int) -> Stakeholder:
    return get_object_or_404(stakeholders_visible_to(user).select_related("account"), pk=pk)


def consent_history(stakeholder: Stakeholder) -> QuerySet[ConsentRecord]:
    """Every record, oldest first: the proof reads like a log."""
    return (
        ConsentRecord.objects.filter(stakeholder=stakeholder)
        .select_related("wording", "recorded_by", "confirms")
        .order_by("recorded_at", "id")
    )


def consent_overview(stakeholder: Stakeholder) -> list[tuple[str, ConsentRecord | None, Decision]]:
    """Per purpose: the current e-mail consent and what the send gate says about it."""
    rows = []
    for purpose, label in Purpose.choices:
        record = current_records([stakeholder.pk], purpose=purpose, channel=Channel.EMAIL).get(
            stakeholder.pk
        )
        rows.append((str(label), record, decide(stakeholder, record, purpose)))
    return rows


def wordings() -> QuerySet[ConsentWording]:
    return ConsentWording.objects.order_by("purpose", "-version")
