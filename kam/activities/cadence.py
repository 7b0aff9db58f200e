"""Contact cadence as pure functions: when is the next visit or contact due, and is it overdue.

A requirement "every N days" is due N days after the last qualifying activity; an account without
any qualifying activity counts from its baseline (the day it came under the rule). It is overdue
from the day after the due date: that day starts the overdue period, which lasts until the next
qualifying activity and is notified once.
"""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Cadence:
    visit_every_days: int | None = None
    contact_every_days: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.visit_every_days and not self.contact_every_days

    def stricter(self, other: "Cadence") -> "Cadence":
        """Both rules at once: for each kind of contact the shorter interval wins."""
        return Cadence(
            visit_every_days=_shorter(self.visit_every_days, other.visit_every_days),
            contact_every_days=_shorter(self.contact_every_days, other.contact_every_days),
        )


def _shorter(first: int | None, second: int | None) -> int | None:
    known = [days for days in (first, second) if days]
    return min(known) if known else None


#: Rules by ABC class (of revenue, from the latest analysis) are keyed like this.
ABC_CLASSES = {"abc_A": "A", "abc_B": "B", "abc_C": "C"}


#: The company's starting cadence by key account status, until leadership changes it (the data
#: migration writes the same values as rows; a status without a row falls back to these).
DEFAULT_CADENCES = {
    "strategic": Cadence(visit_every_days=28, contact_every_days=14),
    "key_account": Cadence(visit_every_days=91, contact_every_days=30),
    "candidate": Cadence(visit_every_days=None, contact_every_days=91),
    "none": Cadence(),
    "abc_A": Cadence(visit_every_days=91, contact_every_days=None),
    "abc_B": Cadence(visit_every_days=None, contact_every_days=91),
    "abc_C": Cadence(),
}


@dataclass(frozen=True)
class RequirementState:
    every_days: int
    last_done: date | None
    due: date
    overdue: bool

    @property
    def overdue_since(self) -> date | None:
        """The first overdue day: it identifies the overdue period."""
        return self.due + timedelta(days=1) if self.overdue else None

    def days_overdue(self, today: date) -> int:
        return (today - self.due).days if self.overdue else 0


@dataclass(frozen=True)
class CoverageState:
    visit: RequirementState | None
    contact: RequirementState | None

    @property
    def has_rules(self) -> bool:
        return self.visit is not None or self.contact is not None

    @property
    def overdue(self) -> bool:
        return any(state.overdue for state in (self.visit, self.contact) if state)


def requirement_state(
    *, every_days: int | None, last_done: date | None, baseline: date, today: date
) -> RequirementState | None:
    if not every_days:
        return None
    start = last_done if last_done is not None else baseline
    due = start + timedelta(days=every_days)
    return RequirementState(every_days, last_done, due, overdue=today > due)


def coverage_state(
    *,
    cadence: Cadence,
    last_visit: date | None,
    last_contact: date | None,
    baseline: date,
    today: date,
) -> CoverageState:
    # A visit is a contact too, so it also resets the contact clock.
    if last_visit is not None and (last_contact is None or last_visit > last_contact):
        last_contact = last_visit
    return CoverageState(
        visit=requirement_state(
            every_days=cadence.visit_every_days,
            last_done=last_visit,
            baseline=baseline,
            today=today,
        ),
        contact=requirement_state(
            every_days=cadence.contact_every_days,
            last_done=last_contact,
            baseline=baseline,
            today=today,
        ),
    )


def coverage_percent(states: list[CoverageState]) -> float | None:
    """The share of accounts under a rule that are not overdue; None without any such account."""
    ruled = [state for state in states if state.has_rules]
    if not ruled:
        return None
    return sum(not state.overdue for state in ruled) / len(ruled)
