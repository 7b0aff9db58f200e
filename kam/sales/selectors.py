"""Reads of sales: monthly facts for pages, a few indexed line queries for one account."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from kam.accounts.selectors import account_group_ids
from kam.sales.models import MonthlyFact, SalesImport, SalesLine
from kam.users.models import Role


def can_import_sales(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or user.role in (Role.ADMIN, Role.LEADERSHIP)
            or user.has_perm("sales.run_import")
        )
    )


def imports_visible_to(user) -> QuerySet[SalesImport]:
    """Imports touch every account, so only users with the import right see them."""
    if not can_import_sales(user):
        return SalesImport.objects.none()
    return SalesImport.objects.select_related("user")


def months_back(today: datetime.date, count: int) -> list[datetime.date]:
    month = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


@dataclass
class MonthFigures:
    month: datetime.date
    revenue_cents: int
    margin_cents: int


@dataclass
class AccountSales:
    months: list[MonthFigures]
    revenue_12m_cents: int
    margin_12m_cents: int
    revenue_prev_12m_cents: int
    group_revenue_12m_cents: int | None
    last_purchase: datetime.date | None

    @property
    def growth(self) -> float | None:
        if self.revenue_prev_12m_cents <= 0:
            return None
        return self.revenue_12m_cents / self.revenue_prev_12m_cents - 1

    @property
    def margin_rate(self) -> float | None:
        if self.revenue_12m_cents <= 0:
            return None
        return self.margin_12m_cents / self.revenue_12m_cents


def account_sales(account, *, today: datetime.date, months: int = 36) -> AccountSales:
    """The account's monthly revenue and margin from the facts, and the group's when it has one."""
    window = months_back(today, months)
    stored = {
        month: (revenue, margin)
        for month, revenue, margin in MonthlyFact.objects.filter(
            account=account, month__gte=window[0]
        ).values_list("month", "revenue_cents", "margin_cents")
    }
    series = [MonthFigures(m, *stored.get(m, (0, 0))) for m in window]
    last12, prev12 = series[-12:], series[-24:-12]
    group_ids = account_group_ids(account.pk) if account.members.exists() else None
    return AccountSales(
        months=series,
        revenue_12m_cents=sum(m.revenue_cents for m in last12),
        margin_12m_cents=sum(m.margin_cents for m in last12),
        revenue_prev_12m_cents=sum(m.revenue_cents for m in prev12),
        group_revenue_12m_cents=_revenue_since(group_ids, last12[0].month) if group_ids else None,
        last_purchase=MonthlyFact.objects.filter(account=account).aggregate(
            last=Max("last_purchase")
        )["last"],
    )


def _revenue_since(account_ids: list[int], month: datetime.date) -> int:
    total = MonthlyFact.objects.filter(account_id__in=account_ids, month__gte=month).aggregate(
        revenue=Sum("revenue_cents")
    )["revenue"]
    return total or 0


def account_top_products(account, *, since: datetime.date, limit: int = 10) -> list:
    """One account's best products: an indexed query over its own lines, not a scan."""
    return list(
        SalesLine.objects.filter(account=account, invoice_month__gte=since)
        .values("product_number", "product_name")
        .annotate(
            revenue_cents=Sum("net_revenue_cents"),
            margin_cents=Sum("margin_cents"),
            lines=Count("id"),
        )
        .order_by("-revenue_cents")[:limit]
    )


def account_last_invoices(account, *, limit: int = 10) -> list:
    return list(
        SalesLine.objects.filter(account=account)
        .values("invoice_number", "invoice_date")
        .annotate(
            revenue_cents=Sum("net_revenue_cents"),
            margin_cents=Sum("margin_cents"),
            lines=Count("id"),
        )
        .order_by("-invoice_date", "-invoice_number")[:limit]
    )
