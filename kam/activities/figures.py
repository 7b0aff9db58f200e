"""Revenue and margin of an account for a period, read from the sales app when it is installed.

The sales app is built separately; this module is the one place that talks to it. Without it, or
without the function agreed with it, every figure is None and pages show "–".
"""

import importlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps

from kam.accounts.models import Account


@dataclass(frozen=True)
class Figures:
    revenue: Decimal | None
    margin: Decimal | None


def account_figures(account: Account, *, start: date, end: date) -> Figures | None:
    """Revenue and margin from `kam.sales.selectors.account_revenue_margin`.

    Agreed signature: `account_revenue_margin(*, account_ids, start, end) -> (revenue, margin)`.
    """
    if not apps.is_installed("kam.sales"):
        return None
    try:
        read = importlib.import_module("kam.sales.selectors").account_revenue_margin
    except (ImportError, AttributeError):
        return None
    revenue, margin = read(account_ids=[account.pk], start=start, end=end)
    return Figures(revenue=revenue, margin=margin)
