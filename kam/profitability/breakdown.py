"""The items behind one account's month: which contacts, which complaints, which rates.

Priced with the same `price` as the stored statement, so the lines add up to the stored figures
(a difference means the statement is older than a change; the page says so).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from kam.core import plugins
from kam.core.money import cents_to_decimal
from kam.profitability.models import CostRates
from kam.profitability.pricing import (
    CARE,
    CONDITIONS,
    SERVICE,
    STAGE_LABELS,
    PricedDriver,
    driver_label,
    logistics_cents,
    price,
)
from kam.profitability.selectors import Figures, account_month
from kam.profitability.statements import rate_cards
from kam.sales import figures

STAGE_OF_KIND = {
    "special_condition": CONDITIONS,
    "activity": CARE,
    "offer": CARE,
    "complaint": SERVICE,
}


@dataclass
class CostLine:
    label: str
    quantity: int
    minutes: int
    rate_cents: int
    cents: int
    booked_hours: bool = False  # the quantity is hours booked, in hundredths
    from_erp: bool = False  # an amount the ERP's export brought with the lines

    @property
    def rate(self):
        return cents_to_decimal(self.rate_cents)

    @property
    def hours(self) -> Decimal | None:
        """The hours booked ("2,5 h × rate" instead of a count), or None."""
        return Decimal(self.quantity) / 100 if self.booked_hours else None

    @property
    def amount(self):
        return cents_to_decimal(self.cents)


@dataclass
class Stage:
    key: str
    label: str
    lines: list[CostLine] = field(default_factory=list)
    items: list[plugins.CostItem] = field(default_factory=list)

    @property
    def total(self):
        return cents_to_decimal(sum(line.cents for line in self.lines))

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines)


@dataclass
class MonthBreakdown:
    account_id: int
    month: datetime.date
    stored: Figures
    stages: list[Stage]
    rates: CostRates | None

    @property
    def up_to_date(self) -> bool:
        return (
            self.stored.condition_cost_cents == self.stages[0].total_cents
            and self.stored.care_cost_cents == self.stages[1].total_cents
            and self.stored.service_cost_cents == self.stages[2].total_cents
        )


def _line(priced: PricedDriver) -> CostLine:
    return CostLine(
        label=driver_label(priced.driver),
        quantity=priced.driver.quantity,
        minutes=priced.minutes,
        rate_cents=priced.rate_cents,
        cents=priced.cents,
        booked_hours=priced.booked_hours,
    )


def month_breakdown(*, account, month: datetime.date) -> MonthBreakdown:
    card = rate_cards([month])[month]
    stages = {key: Stage(key, str(STAGE_LABELS[key])) for key in (CONDITIONS, CARE, SERVICE)}
    drivers = plugins.cost_drivers(first_month=month, last_month=month, account_ids=[account.pk])
    for driver in sorted(drivers, key=lambda d: (d.kind, d.detail, d.role)):
        priced = price(driver, card)
        stages[priced.stage].lines.append(_line(priced))
    for _id, _month, _revenue, _db1, invoices, lines, *erp_costs in figures.monthly_totals(
        first=month, last=month, account_ids=[account.pk]
    ):
        _logistics(stages[SERVICE], card, invoices=invoices, lines=lines)
        _erp_costs(stages[SERVICE], erp_costs)
    for item in plugins.cost_items(account_id=account.pk, month=month):
        stages[STAGE_OF_KIND.get(item.kind, SERVICE)].items.append(item)
    return MonthBreakdown(
        account_id=account.pk,
        month=month,
        stored=account_month(account=account, month=month),
        stages=list(stages.values()),
        rates=CostRates.objects.filter(pk=card.rates_id).first()
        if card and card.rates_id
        else None,
    )


def _logistics(stage: Stage, card, *, invoices: int, lines: int) -> None:
    if card is None:
        return
    if card.invoice_cents:
        cents = logistics_cents(card, invoices=invoices, lines=0)
        stage.lines.append(
            CostLine(_("Handling per invoice"), invoices, 0, card.invoice_cents, cents)
        )
    if card.line_cents:
        cents = logistics_cents(card, invoices=0, lines=lines)
        stage.lines.append(
            CostLine(_("Logistics per invoice line"), lines, 0, card.line_cents, cents)
        )


def _erp_labels() -> tuple[str, ...]:
    """In the order of figures.ERP_COST_COLUMNS."""
    return (_("Freight (ERP)"), _("Packaging (ERP)"), _("Special handling (ERP)"))


def _erp_costs(stage: Stage, amounts: list[int]) -> None:
    """The ERP's freight, packaging and handling of the month's lines, as they came."""
    for label, cents in zip(_erp_labels(), amounts, strict=True):
        if cents:
            stage.lines.append(CostLine(label, 0, 0, 0, cents, from_erp=True))
