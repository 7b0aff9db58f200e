"""Which product areas an account buys more or less of: the forecast's reasons by product area.

A product area is a top-level group of the catalogue (Warengruppe); a sales line counts for the
area of its product's group. Read from the lines of the accounts shown (the account page, a page
of tomorrow's list), when they are shown: the analysis run itself never scans the lines.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce

from kam.conditions.models import Product
from kam.sales.figures import add_months
from kam.sales.models import SalesLine

#: An area is worth a reason when it changed by this share and by this share of the account's
#: revenue of the last 12 months (a small area doubling says little).
MIN_CHANGE = 0.10
MIN_SHARE_OF_REVENUE = 0.05


def _area_of_product():
    """The top-level group's name of a line's product (up to three levels), or None."""
    return Subquery(
        Product.objects.filter(number=OuterRef("product_number"))
        .annotate(
            area=Coalesce("group__parent__parent__name", "group__parent__name", "group__name")
        )
        .values("area")[:1]
    )


def area_revenue(
    *, account_ids, last_month: datetime.date
) -> dict[int, dict[str, tuple[int, int]]]:
    """Per account and area: revenue in cents of the 12 months up to `last_month` (a first day)
    and of the 12 before."""
    recent = add_months(last_month, -11)
    rows = (
        SalesLine.objects.filter(
            account_id__in=list(account_ids),
            invoice_month__gte=add_months(last_month, -23),
            invoice_month__lte=last_month,
        )
        .annotate(area=_area_of_product())
        .exclude(area=None)
        .values("account_id", "area")
        .annotate(
            recent=Sum(Case(When(invoice_month__gte=recent, then="net_revenue_cents"), default=0)),
            before=Sum(Case(When(invoice_month__lt=recent, then="net_revenue_cents"), default=0)),
        )
    )
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for row in rows:
        result.setdefault(row["account_id"], {})[row["area"]] = (row["recent"], row["before"])
    return result


def area_trends(*, account_ids, last_month: datetime.date) -> dict[int, list[dict]]:
    """Per account, at most one growing and one shrinking area as reason codes (plug-in
    contract `product_trends.py`, worded by kam.analysis.reasons): the largest change in euros
    among the areas that changed by MIN_CHANGE and by MIN_SHARE_OF_REVENUE of the account; an
    area bought only in the last 12 months is new."""
    trends: dict[int, list[dict]] = {}
    for account_id, areas in area_revenue(account_ids=account_ids, last_month=last_month).items():
        total = sum(recent for recent, _ in areas.values())
        reasons: list[dict] = []
        new = [
            (recent, area)
            for area, (recent, before) in areas.items()
            if before <= 0 and recent >= MIN_SHARE_OF_REVENUE * total > 0
        ]
        if new:
            reasons.append({"code": "area_new", "area": max(new)[1]})
        for code, sign in (("area_growing", 1), ("area_shrinking", -1)):
            moved = [
                (sign * (recent - before), area, recent, before)
                for area, (recent, before) in areas.items()
                if before > 0
                and sign * (recent - before) >= MIN_CHANGE * before
                and sign * (recent - before) >= MIN_SHARE_OF_REVENUE * max(total, 0)
            ]
            if moved:
                _, area, recent, before = max(moved)
                percent = round(abs(recent - before) * 100 / before)
                reasons.append({"code": code, "area": area, "percent": percent})
        if reasons:
            trends[account_id] = reasons
    return trends
