"""The special conditions' cost drivers for the profitability statement (the contract is in
kam.core.plugins): the annual bonus accrued month by month.

The bonus of a tier applies to the whole calendar year's revenue (pricing.bonus_amount), so the
bonus accrued up to a month is the bonus of the revenue so far; a month's cost is what it adds.
A group-wide agreement measures the group's revenue and books the bonus on the agreement's
account (the group's roll-up carries it). Revenue comes from the facts reader.

The discount below the list price is counted per invoice line whose product the catalogue knows:
list price x quantity - net revenue, where that is positive (a line above the list price gives
nothing back). Lines without a quantity or of unknown products count nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import BigIntegerField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Round
from django.urls import reverse

from kam.accounts.selectors import account_group_ids
from kam.conditions.models import Agreement, AgreementStatus, Product
from kam.conditions.pricing import bonus_amount
from kam.core.plugins import CostDriver, CostItem, driver_rows, in_months
from kam.sales import figures
from kam.sales.models import SalesLine

PROVIDES = ("special_condition:bonus", "special_condition:discount")
#: Agreements whose bonus has run: an expired one still cost what it accrued while active.
RUN_STATUSES = (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED)


def _agreements(account_ids) -> list[Agreement]:
    agreements = Agreement.objects.filter(status__in=RUN_STATUSES, bonus_tiers__isnull=False)
    if account_ids is not None:
        agreements = agreements.filter(account_id__in=account_ids)
    return list(agreements.distinct().prefetch_related("bonus_tiers"))


def _revenue_by_month(agreement: Agreement, last_month: datetime.date) -> dict[datetime.date, int]:
    ids = (
        account_group_ids(agreement.account_id)
        if agreement.applies_to_members
        else [agreement.account_id]
    )
    revenue: dict[datetime.date, int] = defaultdict(int)
    for months in figures.monthly_sums(ids, last_month=last_month).values():
        for month in months:
            revenue[month.month] += month.revenue_cents
    return revenue


def _valid(agreement: Agreement, month: datetime.date) -> bool:
    starts = agreement.valid_from.replace(day=1) <= month
    return starts and (agreement.valid_to is None or month <= agreement.valid_to)


def accruals(
    agreement: Agreement, *, first_month: datetime.date, last_month: datetime.date
) -> list[tuple[datetime.date, int]]:
    """(month, bonus accrued in it, cents) for the agreement's valid months in the range."""
    tiers = [(tier.from_revenue, tier.percent) for tier in agreement.bonus_tiers.all()]
    revenue = _revenue_by_month(agreement, last_month)
    found = []
    for year in range(first_month.year, last_month.year + 1):
        so_far, accrued_before = 0, Decimal(0)
        for number in range(1, 13):
            month = datetime.date(year, number, 1)
            if month > last_month:
                break
            if not _valid(agreement, month):
                continue
            so_far += revenue.get(month, 0)
            accrued = bonus_amount(revenue=Decimal(so_far) / 100, tiers=tiers)
            if month >= first_month and accrued != accrued_before:
                found.append((month, int((accrued - accrued_before) * 100)))
            accrued_before = accrued
    return found


def _discounted_lines() -> QuerySet:
    """Invoice lines sold below the catalogue's list price, with the discount in cents (list
    price x quantity, rounded to the cent per line, minus the net revenue)."""
    list_price = Product.objects.filter(number=OuterRef("product_number")).values("list_price")
    lines = SalesLine.objects.filter(
        quantity__isnull=False, product_number__in=Product.objects.values("number")
    )
    at_list_price = Cast(
        Round(Subquery(list_price[:1]) * F("quantity") * 100), output_field=BigIntegerField()
    )
    return lines.annotate(discount_cents=at_list_price - F("net_revenue_cents")).filter(
        discount_cents__gt=0
    )


def derived_cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    """The discounts below the list price, one row per invoice line (the database sums them)."""
    discounts = driver_rows(
        _discounted_lines(),
        day="invoice_month",
        first_month=first_month,
        last_month=last_month,
        account_ids=account_ids,
        kind="special_condition",
        detail=Value("discount"),
        amount_cents="discount_cents",
    )
    return [discounts]


def cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    return [
        CostDriver(agreement.account_id, month, "special_condition", "bonus", amount_cents=cents)
        for agreement in _agreements(account_ids)
        for month, cents in accruals(agreement, first_month=first_month, last_month=last_month)
    ]


def cost_items(*, account_id: int, month: datetime.date) -> list[CostItem]:
    return _bonus_items(account_id, month) + _discount_items(account_id, month)


def _discount_items(account_id: int, month: datetime.date) -> list[CostItem]:
    lines = in_months(
        _discounted_lines(), day="invoice_month", first_month=month, last_month=month
    ).filter(account_id=account_id)
    lines = lines.order_by("invoice_date", "line_number")
    return [
        CostItem(
            account_id=account_id,
            day=line.invoice_date,
            kind="special_condition",
            detail="discount",
            title=f"{line.invoice_number}/{line.line_number} {line.product_number} "
            f"{line.product_name}".strip(),
            amount_cents=line.discount_cents,
        )
        for line in lines
    ]


def _bonus_items(account_id: int, month: datetime.date) -> list[CostItem]:
    items = []
    for agreement in _agreements([account_id]):
        for _month, cents in accruals(agreement, first_month=month, last_month=month):
            items.append(
                CostItem(
                    account_id=account_id,
                    day=month,
                    kind="special_condition",
                    detail="bonus",
                    title=agreement.title,
                    amount_cents=cents,
                    url=reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk}),
                )
            )
    return items
