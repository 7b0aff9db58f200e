"""The account's history (Verlauf): who changed what, when and from where."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kam.accounts.models import Account, Stakeholder, TeamMembership

HIDDEN_FIELDS = {"id", "updated_at", "created_at", "account_id"}
KIND_LABELS = {"+": _lazy("created"), "~": _lazy("changed"), "-": _lazy("deleted")}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    source: str
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _display(record, name: str) -> str:
    value = getattr(record, name, None)
    if value is None or value == "":
        return "–"
    display = getattr(record, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def _changes(model, previous, record) -> list[Change]:
    changes = []
    for model_field in model._meta.concrete_fields:
        name = model_field.attname
        if name in HIDDEN_FIELDS:
            continue
        old = getattr(previous, name) if previous is not None else None
        if previous is None or old != getattr(record, name):
            label_name = model_field.name
            changes.append(
                Change(
                    str(model_field.verbose_name),
                    _display(previous, label_name) if previous is not None else "–",
                    _display(record, label_name),
                )
            )
    return changes


def _entries(model, records, subject_of) -> list[HistoryEntry]:
    entries = []
    last_by_object: dict[int, object] = {}
    for record in records:
        previous = last_by_object.get(record.id)
        changes = [] if record.history_type == "-" else _changes(model, previous, record)
        last_by_object[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else _("System"),
                source=record.get_history_source_display(),
                subject=subject_of(record),
                action=str(KIND_LABELS[record.history_type]),
                changes=changes,
            )
        )
    return entries


def account_history(account: Account, *, limit: int = 200) -> list[HistoryEntry]:
    def ordered(manager, **lookup):
        return (
            manager.filter(**lookup)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )

    entries = _entries(
        Account,
        ordered(Account.history, id=account.pk).select_related("parent", "owner"),
        lambda r: _("Master data"),
    )
    entries += _entries(
        TeamMembership,
        ordered(TeamMembership.history, account_id=account.pk).select_related("user"),
        lambda r: _("Team: %(user)s") % {"user": r.user},
    )
    entries += _entries(
        Stakeholder,
        ordered(Stakeholder.history, account_id=account.pk).select_related("reports_to"),
        lambda r: _("Stakeholder: %(name)s") % {"name": f"{r.first_name} {r.last_name}".strip()},
    )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
