"""Writes of complaints: numbering, workflow, pauses, attachments, SLA settings. Atomic, audited."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.complaints import sla, workflow
from kam.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintPause,
    EventKind,
    RootCause,
    SlaOverride,
    SlaTemplate,
    Status,
    Taxonomy,
)
from kam.core import numbering
from kam.core.plugins import cost_drivers_changed
from kam.notifications.services import mentions_notify
from kam.search.index import index_refresh
from kam.users.models import User

COMPLAINT_FIELDS = (
    "stakeholder",
    "owner",
    "subject",
    "channel",
    "category",
    "severity",
    "description",
    "invoice_numbers",
    "product_numbers",
    "affected_value",
    "requested_remedy",
)
RESOLUTION_FIELDS = (
    "remedy_given",
    "goodwill_amount",
    "credit_note_reference",
    "root_cause",
    "root_cause_note",
    "handling_hours",
)
#: The fields the profitability statements price a complaint by (kam.complaints.cost_drivers).
COST_FIELDS = ("severity", "handling_hours")

#: What a transition may change besides the resolution and the timestamps.
STATUS_FIELDS = ("status", "paused_since", "acknowledge_due", "resolve_due", "updated_at")


#: The kind of kam.core.numbering's counter of complaint numbers.
COMPLAINT_NUMBERS = "complaint"


def _next_number(year: int) -> str:
    """The next number of the year, without gaps (kam.core.numbering)."""
    return f"REK-{year}-{numbering.next_number(COMPLAINT_NUMBERS, year=year):05d}"


def _event(complaint: Complaint, *, kind: str, user: User | None, note: str = "", **extra) -> None:
    event = ComplaintEvent.objects.create(
        complaint=complaint, at=timezone.now(), user=user, kind=kind, note=note, **extra
    )
    _mentions_notify(complaint, author=user, text=note, key=f"complaint-event:{event.pk}")


def _mentions_notify(complaint: Complaint, *, author: User | None, text: str, key: str) -> None:
    """Who is @mentioned in the description or in a note of the complaint hears of it (if they
    may see the complaint); text without an author (a job's) mentions nobody."""
    if author is None or "@" not in text:
        return
    from kam.complaints.selectors import complaints_visible_to

    def may_see(user: User) -> bool:
        return complaints_visible_to(user).filter(pk=complaint.pk).exists()

    mentions_notify(
        author=author,
        text=text,
        about=f"{complaint.number}: {complaint.subject}",
        url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
        key=key,
        may_see=may_see,
    )


def _apply_sla(complaint: Complaint) -> None:
    agreed = sla.sla_for(account=complaint.account, severity=complaint.severity)
    complaint.acknowledge_hours = agreed.acknowledge_hours
    complaint.resolve_hours = agreed.resolve_hours
    sla.set_deadlines(complaint)


def _check_stakeholder(complaint: Complaint) -> None:
    stakeholder = complaint.stakeholder
    if stakeholder is not None and stakeholder.account_id != complaint.account_id:
        raise ValidationError({"stakeholder": _("Only stakeholders of the same account.")})


@transaction.atomic
def complaint_create(
    *, account: Account, user: User | None, received_at: datetime | None = None, **fields: Any
) -> Complaint:
    now = timezone.now()
    complaint = Complaint(
        account=account, created_by=user, received_at=received_at or now, **fields
    )
    if complaint.owner_id is None:
        complaint.owner = user
    _apply_sla(complaint)
    complaint.number = "REK-pending"
    complaint.full_clean(exclude=["number"])
    _check_stakeholder(complaint)
    complaint.number = _next_number(timezone.localtime(now).year)
    complaint.save()
    _event(complaint, kind=EventKind.CREATED, user=user, to_status=complaint.status)
    _mentions_notify(
        complaint, author=user, text=complaint.description, key=f"complaint:{complaint.pk}"
    )
    index_refresh("complaint", [complaint.pk])
    cost_drivers_changed(account_id=account.pk, days=[timezone.localdate(complaint.received_at)])
    return complaint


@transaction.atomic
def complaint_update(
    *, complaint: Complaint, data: dict[str, Any], editor: User | None = None
) -> Complaint:
    """`editor` is who a mention in the description comes from (saving the description again
    notifies only who is newly mentioned)."""
    allowed = (*COMPLAINT_FIELDS, *RESOLUTION_FIELDS)
    changed = [name for name in allowed if name in data and getattr(complaint, name) != data[name]]
    if not changed:
        return complaint
    for name in changed:
        setattr(complaint, name, data[name])
    if "severity" in changed:
        _apply_sla(complaint)
        changed += ["acknowledge_hours", "resolve_hours", "acknowledge_due", "resolve_due"]
    complaint.full_clean()
    _check_stakeholder(complaint)
    complaint.save(update_fields=[*changed, "updated_at"])
    if "subject" in changed:
        index_refresh("complaint", [complaint.pk])
    if "description" in changed:
        key = f"complaint:{complaint.pk}"
        _mentions_notify(complaint, author=editor, text=complaint.description, key=key)
    if set(COST_FIELDS) & set(changed):
        _cost_changed(complaint)
    return complaint


def _cost_changed(complaint: Complaint) -> None:
    day = timezone.localdate(complaint.received_at)
    cost_drivers_changed(account_id=complaint.account_id, days=[day])


def _require_resolution(complaint: Complaint) -> None:
    errors = {}
    if complaint.root_cause_id is None:
        errors["root_cause"] = _("Choose the root cause before closing the complaint.")
    if not complaint.remedy_given.strip():
        errors["remedy_given"] = _("Describe the remedy given before closing the complaint.")
    if complaint.goodwill_amount is None or complaint.goodwill_amount < Decimal("0"):
        errors["goodwill_amount"] = _("Enter the goodwill amount (0 if none).")
    if errors:
        raise ValidationError(errors)


def _refuse(complaint: Complaint, to_status: str) -> None:
    steps = [str(Status(step).label) for step in workflow.next_steps(complaint.status)]
    raise ValidationError(
        _(
            "A complaint in status “%(current)s” cannot change to “%(target)s”. "
            "Possible next steps: %(steps)s."
        )
        % {
            "current": complaint.get_status_display(),
            "target": Status(to_status).label if to_status in Status.values else to_status,
            "steps": ", ".join(steps) or "–",
        }
    )


def _stamp(complaint: Complaint, to_status: str, now: datetime) -> list[str]:
    """Sets the timestamps a status brings; returns the fields it changed."""
    if to_status == Status.ACKNOWLEDGED:
        complaint.acknowledged_at = now
        complaint.hours_to_acknowledge = _hours(complaint, now)
        return ["acknowledged_at", "hours_to_acknowledge"]
    if to_status == Status.RESOLVED:
        complaint.resolved_at = now
        complaint.hours_to_resolve = _hours(complaint, now)
        return ["resolved_at", "hours_to_resolve"]
    if to_status == Status.CLOSED:
        complaint.closed_at = now
        return ["closed_at"]
    if complaint.status in (Status.RESOLVED, Status.CLOSED):  # reopened
        complaint.resolved_at = complaint.closed_at = complaint.hours_to_resolve = None
        return ["resolved_at", "closed_at", "hours_to_resolve"]
    return []


def _hours(complaint: Complaint, now: datetime) -> Decimal:
    return Decimal(str(round(sla.business_hours_since_received(complaint, now), 2)))


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    user: User | None,
    note: str = "",
    resolution: dict[str, Any] | None = None,
    survey_base_url: str = "",
) -> Complaint:
    """Moves the complaint one step on; refuses steps the workflow does not allow."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not workflow.is_allowed(complaint.status, to_status):
        _refuse(complaint, to_status)
    hours_before = complaint.handling_hours
    for name, value in (resolution or {}).items():
        if name in RESOLUTION_FIELDS:
            setattr(complaint, name, value)
    if to_status == Status.CLOSED:
        _require_resolution(complaint)
    now = timezone.now()
    if complaint.paused_since and to_status in (Status.RESOLVED, Status.CLOSED):
        _end_pause(complaint, now)
    changed = _stamp(complaint, to_status, now)
    from_status, complaint.status = complaint.status, to_status
    complaint.full_clean()
    complaint.save(update_fields=[*changed, *RESOLUTION_FIELDS, *STATUS_FIELDS])
    _event(
        complaint,
        kind=EventKind.TRANSITION,
        user=user,
        note=note,
        from_status=from_status,
        to_status=to_status,
    )
    if complaint.handling_hours != hours_before:
        _cost_changed(complaint)
    if to_status == Status.CLOSED and survey_base_url:
        _send_survey_after_commit(complaint, survey_base_url)
    return complaint


def _send_survey_after_commit(complaint: Complaint, base_url: str) -> None:
    from kam.complaints.tasks import send_satisfaction_survey

    if complaint.stakeholder is not None and complaint.stakeholder.email:
        transaction.on_commit(
            lambda: send_satisfaction_survey.enqueue(complaint_id=complaint.pk, base_url=base_url)
        )


def _end_pause(complaint: Complaint, now: datetime) -> None:
    assert complaint.paused_since is not None
    ComplaintPause.objects.create(
        complaint=complaint, started_at=complaint.paused_since, ended_at=now
    )
    complaint.paused_since = None
    sla.set_deadlines(complaint)


@transaction.atomic
def complaint_pause(*, complaint: Complaint, user: User | None, note: str = "") -> Complaint:
    """Waiting for the customer: the SLA clock stops until the customer answers."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not complaint.is_open or complaint.is_waiting:
        raise ValidationError(_("Only an open complaint that is not already waiting can wait."))
    complaint.paused_since = timezone.now()
    complaint.save(update_fields=["paused_since", "updated_at"])
    _event(complaint, kind=EventKind.PAUSE, user=user, note=note)
    return complaint


@transaction.atomic
def complaint_resume(*, complaint: Complaint, user: User | None, note: str = "") -> Complaint:
    """The customer answered: the paused time pushes the deadlines back."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not complaint.is_waiting:
        raise ValidationError(_("The complaint is not waiting for the customer."))
    _end_pause(complaint, timezone.now())
    complaint.save(update_fields=["paused_since", "acknowledge_due", "resolve_due", "updated_at"])
    _event(complaint, kind=EventKind.RESUME, user=user, note=note)
    return complaint


@transaction.atomic
def complaint_delete(*, complaint: Complaint) -> None:
    complaint_id, account_id = complaint.pk, complaint.account_id
    day = timezone.localdate(complaint.received_at)
    complaint.delete()
    index_refresh("complaint", [complaint_id])
    cost_drivers_changed(account_id=account_id, days=[day])


@transaction.atomic
def attachment_add(*, complaint: Complaint, file, user: User | None) -> ComplaintAttachment:
    attachment = ComplaintAttachment(
        complaint=complaint,
        file=file,
        original_name=(file.name or "")[-200:],
        size=file.size,
        uploaded_by=user,
    )
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: ComplaintAttachment) -> None:
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def sla_templates_save(*, values: dict[tuple[str, str], tuple[int, int]]) -> int:
    """Saves the company SLA grid; returns how many cells changed."""
    changed = 0
    for (status, severity), (acknowledge, resolve) in values.items():
        template, _created = SlaTemplate.objects.get_or_create(
            account_status=status,
            severity=severity,
            defaults={"acknowledge_hours": acknowledge, "resolve_hours": resolve},
        )
        if (template.acknowledge_hours, template.resolve_hours) != (acknowledge, resolve):
            template.acknowledge_hours, template.resolve_hours = acknowledge, resolve
            template.full_clean()
            template.save()
            changed += 1
    return changed


def _check_hours(acknowledge: int, resolve: int) -> None:
    if acknowledge > resolve:
        raise ValidationError(
            {
                "resolve_hours": _(
                    "The resolution time cannot be shorter than the acknowledgement time."
                )
            }
        )


@transaction.atomic
def sla_override_save(*, override: SlaOverride) -> SlaOverride:
    override.full_clean(validate_constraints=False)
    _check_hours(override.acknowledge_hours, override.resolve_hours)
    existing = SlaOverride.objects.filter(account=override.account, severity=override.severity)
    if override.pk is None and (found := existing.first()) is not None:
        override.pk = found.pk
    override.save()
    return override


@transaction.atomic
def sla_override_delete(*, override: SlaOverride) -> None:
    override.delete()


#: The lists a leader keeps: complaint categories and root causes (URL name → model).
TAXONOMIES: dict[str, type[Taxonomy]] = {"categories": ComplaintCategory, "causes": RootCause}


@transaction.atomic
def taxonomy_entry_save(*, entry: Taxonomy) -> Taxonomy:
    """Saves a category or root cause; a new entry gets a unique code made from its name.

    Entries are never deleted: complaints refer to them. An inactive one is no longer offered
    for new complaints and keeps its name on the old ones.
    """
    entry.name = entry.name.strip()
    if not entry.name:
        raise ValidationError({"name": _("Please enter a name.")})
    model = type(entry)
    if model._default_manager.filter(name__iexact=entry.name).exclude(pk=entry.pk).exists():
        raise ValidationError({"name": _("An entry with this name exists already.")})
    if not entry.code:
        entry.code = _unique_code(model, entry.name)
    entry.full_clean()
    entry.save()
    return entry


def _unique_code(model: type[Taxonomy], name: str) -> str:
    base = (slugify(name) or "eintrag")[:34]
    code, number = base, 1
    while model._default_manager.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code
