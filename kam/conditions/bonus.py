"""Annual bonus progress (Jahresbonus) per account or group, read from the monthly facts, and
the special-condition cost per account and month for profitability (bonus accrued, discounts
below list price); the arithmetic is in pricing.py, with plain inputs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids
from kam.conditions.models import Agreement, AgreementStatus
from kam.conditions.pricing import BonusProgress, bonus_progress
from kam.conditions.resolution import account_chain_ids
from kam.core.money import cents_to_decimal
from kam.sales.figures import Window, revenue_in


@dataclass(frozen=True)
class AccountBonus:
    agreement: Agreement
    group_wide: bool
    progress: BonusProgress


def year_to_date_window(today: datetime.date) -> Window:
    """The months of today's calendar year up to and including today's month."""
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return Window(as_of=next_month, months=today.month)


def projected(revenue: Decimal, today: datetime.date) -> Decimal:
    """The year's revenue if it goes on as so far (by days elapsed)."""
    start = today.replace(month=1, day=1)
    days = (today - start).days + 1
    length = (start.replace(year=start.year + 1) - start).days
    return (revenue * length / days).quantize(Decimal("0.01"))


def bonus_for_account(account: Account, *, today: datetime.date) -> list[AccountBonus]:
    """Every active agreement with bonus tiers that applies to the account (its own, or a group
    account's that applies to members), with the revenue it is measured on."""
    chain = account_chain_ids(account.pk)
    agreements = (
        Agreement.objects.filter(
            status=AgreementStatus.ACTIVE, account_id__in=chain, bonus_tiers__isnull=False
        )
        .distinct()
        .prefetch_related("bonus_tiers")
    )
    window = year_to_date_window(today)
    found = []
    for agreement in agreements:
        if agreement.account_id != account.pk and not agreement.applies_to_members:
            continue
        group_wide = agreement.applies_to_members
        ids = account_group_ids(agreement.account_id) if group_wide else [agreement.account_id]
        revenue = cents_to_decimal(revenue_in(ids, window)) or Decimal(0)
        tiers = [(tier.from_revenue, tier.percent) for tier in agreement.bonus_tiers.all()]
        progress = bonus_progress(
            revenue=revenue, tiers=tiers, projected_revenue=projected(revenue, today)
        )
        found.append(AccountBonus(agreement=agreement, group_wide=group_wide, progress=progress))
    return found
