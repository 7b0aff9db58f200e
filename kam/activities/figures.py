"""Revenue and margin of an account for a period, read from the sales app when it is installed.

The sales app is built separately; this module is the one place that talks to it. It reads the
monthly facts (revenue and margin per account and month, kept current by the import). Without the
sales app, or without any facts for the account, the figures are None and pages show "–".
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Sum

from kam.accounts.models import Account
from kam.core.money import cents_to_decimal


@dataclass(frozen=True)
class Figures:
    revenue: Decimal | None
    margin: Decimal | None


def account_figures(account: Account, *, start: date, end: date) -> Figures | None:
    """The account's revenue and margin in the months from `start` to `end` (both included)."""
    if not apps.is_installed("kam.sales"):
        return None
    try:
        facts = apps.get_model("sales", "MonthlyFact")
    except LookupError:
        return None
    totals = facts.objects.filter(
        account=account, month__gte=start.replace(day=1), month__lte=end
    ).aggregate(months=Count("id"), revenue=Sum("revenue_cents"), margin=Sum("margin_cents"))
    if not totals["months"]:
        return None
    return Figures(
        revenue=cents_to_decimal(totals["revenue"]), margin=cents_to_decimal(totals["margin"])
    )
