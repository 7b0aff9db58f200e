"""The complaint workflow: which status may follow which."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kam.complaints.models import Status

NEXT_STEPS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.ACKNOWLEDGED,),
    Status.ACKNOWLEDGED: (Status.IN_ANALYSIS,),
    Status.IN_ANALYSIS: (Status.SOLUTION_PROPOSED,),
    # The customer may turn the proposal down: back to the analysis.
    Status.SOLUTION_PROPOSED: (Status.RESOLVED, Status.IN_ANALYSIS),
    # Reopening puts a resolved or closed complaint back into the analysis.
    Status.RESOLVED: (Status.CLOSED, Status.IN_ANALYSIS),
    Status.CLOSED: (Status.IN_ANALYSIS,),
}

#: The button label of each step, by (from, to).
ACTION_LABELS: dict[str, Any] = {
    Status.ACKNOWLEDGED: _("Acknowledge receipt"),
    Status.IN_ANALYSIS: _("Start analysis"),
    Status.SOLUTION_PROPOSED: _("Propose solution"),
    Status.RESOLVED: _("Mark resolved"),
    Status.CLOSED: _("Close complaint"),
}
REOPEN_LABEL = _("Reopen")
REJECTED_LABEL = _("Proposal rejected: back to analysis")


def next_steps(status: str) -> tuple[str, ...]:
    return NEXT_STEPS.get(status, ())


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in next_steps(from_status)


def action_label(from_status: str, to_status: str) -> str:
    if to_status == Status.IN_ANALYSIS and from_status in (Status.RESOLVED, Status.CLOSED):
        return str(REOPEN_LABEL)
    if to_status == Status.IN_ANALYSIS and from_status == Status.SOLUTION_PROPOSED:
        return str(REJECTED_LABEL)
    return str(ACTION_LABELS[to_status])
