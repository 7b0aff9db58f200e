"""What a cost driver costs under the rates of its month: the one place that knows which rate
applies to which driver (the full recomputation, the incremental update and the drill-down all
price through `price`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.plugins import CostDriver
from kam_analytics.profitability import time_cost_cents

#: The statement's steps a cost falls into.
CONDITIONS, CARE, SERVICE = "conditions", "care", "service"
STAGE_LABELS = {
    CONDITIONS: gettext_lazy("Special-condition cost"),
    CARE: gettext_lazy("Sales care cost"),
    SERVICE: gettext_lazy("Service cost"),
}
#: Activity kinds with a standard duration (a note costs nothing).
ACTIVITY_MINUTES_FIELDS = {
    "visit": "visit_minutes",
    "phone": "phone_minutes",
    "video": "video_minutes",
    "meeting": "meeting_minutes",
    "presentation": "presentation_minutes",
    "email": "email_minutes",
}
ROLE_RATE_FIELDS = {
    "kam": "hourly_rate_kam",
    "field": "hourly_rate_field",
    "service": "hourly_rate_service",
}
SPECIALIST_RATE_FIELD = "hourly_rate_specialist"
#: The detail of complaints with the hours booked on them (kam.complaints.cost_drivers): priced
#: at customer service's hourly rate instead of the handling cost by severity.
COMPLAINT_HOURS = "hours"
COMPLAINT_HOURS_ROLE = "service"
SEVERITY_FIELDS = {
    "low": "complaint_low",
    "medium": "complaint_medium",
    "high": "complaint_high",
    "critical": "complaint_critical",
}
#: The statement's steps in the order of the statement (DB II, III, IV).
STAGES = (CONDITIONS, CARE, SERVICE)
#: Every kind and detail of driver that has a price (see COST_DRIVER_KINDS in kam.core.plugins);
#: any other (a note) costs nothing.
PRICED_DETAILS = (
    [("activity", detail) for detail in ACTIVITY_MINUTES_FIELDS]
    + [("offer", "")]
    + [("complaint", severity) for severity in SEVERITY_FIELDS]
    + [("complaint", COMPLAINT_HOURS)]
    + [("special_condition", "bonus"), ("special_condition", "discount")]
)


def to_cents(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass(frozen=True)
class RateCard:
    """A set of cost rates as plain integers: minutes and cents."""

    rates_id: int | None
    valid_from: datetime.date
    valid_until: datetime.date | None
    activity_minutes: dict[str, int]
    visit_travel_minutes: int
    offer_minutes: int
    hourly_cents: dict[str, int]
    specialist_hourly_cents: int
    complaint_cents: dict[str, int]
    invoice_cents: int
    line_cents: int

    @classmethod
    def of(cls, rates) -> RateCard:
        """The card of a `CostRates` row."""
        return cls(
            rates_id=rates.pk,
            valid_from=rates.valid_from,
            valid_until=rates.valid_until,
            activity_minutes={k: getattr(rates, f) for k, f in ACTIVITY_MINUTES_FIELDS.items()},
            visit_travel_minutes=rates.visit_travel_minutes,
            offer_minutes=rates.offer_preparation_minutes,
            hourly_cents={k: to_cents(getattr(rates, f)) for k, f in ROLE_RATE_FIELDS.items()},
            specialist_hourly_cents=to_cents(getattr(rates, SPECIALIST_RATE_FIELD)),
            complaint_cents={k: to_cents(getattr(rates, f)) for k, f in SEVERITY_FIELDS.items()},
            invoice_cents=to_cents(rates.invoice_handling),
            line_cents=to_cents(rates.line_logistics),
        )

    def hourly_rate(self, role: str) -> int:
        return self.hourly_cents.get(role, self.specialist_hourly_cents)

    def minutes_of(self, driver: CostDriver) -> int:
        """The time one driver of its kind takes (a visit with its travel)."""
        if driver.kind == "offer":
            return self.offer_minutes
        minutes = self.activity_minutes.get(driver.detail, 0)
        return minutes + (self.visit_travel_minutes if driver.detail == "visit" else 0)


#: How a driver's cost follows from its terms: time at an hourly rate, a price per piece, the
#: driver's own amount of money, or hours booked (quantity in hundredths) at an hourly rate.
TIME, PIECE, MONEY, HOURS = 0, 1, 2, 3


@dataclass(frozen=True)
class Terms:
    """What one driver of a kind costs under a month's rates."""

    stage: str
    mode: int
    minutes: int = 0  # per piece, for TIME
    rate_cents: int = 0  # hourly rate (TIME) or price per piece (PIECE)


def terms(driver: CostDriver, card: RateCard | None) -> Terms:
    """The terms of a driver's kind, detail and role (its account and quantity do not matter)."""
    if driver.kind == "special_condition":
        return Terms(CONDITIONS, MONEY)
    if driver.kind == "complaint" and driver.detail == COMPLAINT_HOURS:
        rate = card.hourly_rate(COMPLAINT_HOURS_ROLE) if card else 0
        return Terms(SERVICE, HOURS, rate_cents=rate)
    if driver.kind == "complaint":
        each = card.complaint_cents.get(driver.detail, 0) if card else 0
        return Terms(SERVICE, PIECE, rate_cents=each)
    if card is None:
        return Terms(CARE, TIME)
    return Terms(CARE, TIME, card.minutes_of(driver), card.hourly_rate(driver.role))


@dataclass(frozen=True)
class PricedDriver:
    """A driver with the rate it was priced at, as the drill-down shows it."""

    driver: CostDriver
    stage: str
    cents: int
    minutes: int = 0  # per item; 0 for drivers priced per piece or given as money
    rate_cents: int = 0  # hourly rate, or the price per piece
    booked_hours: bool = False  # the quantity is hours booked, in hundredths


def price(driver: CostDriver, card: RateCard | None) -> PricedDriver:
    """The cost of one driver under `card` (no rates for its month: it costs nothing, and the
    page says so). The full recomputation applies the same terms to arrays (statements.py)."""
    t = terms(driver, card)
    if t.mode == MONEY:
        cents = driver.amount_cents
    elif t.mode == PIECE:
        cents = driver.quantity * t.rate_cents
    elif t.mode == HOURS:
        cents = booked_hours_cents(driver.quantity, t.rate_cents)
    else:
        cents = time_cost_cents(t.minutes, t.rate_cents, driver.quantity)
    return PricedDriver(driver, t.stage, cents, t.minutes, t.rate_cents, t.mode == HOURS)


def booked_hours_cents(hundredths: int, hourly_rate_cents: int) -> int:
    """Hours booked (in hundredths of an hour) at an hourly rate, rounded half up to the cent
    (as the statements' SQL: PRICE in kam.profitability.statements)."""
    return (hundredths * hourly_rate_cents + 50) // 100


def logistics_cents(card: RateCard | None, *, invoices: int, lines: int) -> int:
    """Handling per invoice and logistics per invoice line (service cost)."""
    if card is None:
        return 0
    return invoices * card.invoice_cents + lines * card.line_cents


def driver_label(driver: CostDriver) -> str:
    """How the drill-down names a driver, e.g. "Besuch (Key Account Manager)"."""
    from kam.users.models import Role

    kinds = {
        "visit": _("Visit"),
        "phone": _("Phone call"),
        "video": _("Video call"),
        "meeting": _("Meeting / event"),
        "presentation": _("Offer presentation"),
        "email": _("Email"),
        "low": _("Complaint, low"),
        "medium": _("Complaint, medium"),
        "high": _("Complaint, high"),
        "critical": _("Complaint, critical"),
        COMPLAINT_HOURS: _("Complaints, hours booked"),
        "bonus": _("Bonus accrued"),
        "discount": _("Discount below list price"),
    }
    name = (
        _("Offer prepared") if driver.kind == "offer" else kinds.get(driver.detail, driver.detail)
    )
    role_label = dict(Role.choices).get(driver.role, driver.role)
    return f"{name} ({role_label})" if role_label else str(name)
