"""The profitability ranking and the served lists as CSV or XLSX (kam.core.exports writes them:
every name stays text, never a formula). Callers have checked the margin permission."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core import exports as core_exports
from kam.profitability.selectors import AccountProfit


def _percent(value: float | None) -> Decimal | None:
    return None if value is None else round(Decimal(str(value)) * 100, 1)


def _columns() -> list[tuple[str, Callable[[AccountProfit], object]]]:
    return [
        (_("Rank"), lambda r: r.rank),
        (_("Customer number"), lambda r: r.account.customer_number),
        (_("Account"), lambda r: r.account.name),
        (_("Key account manager"), lambda r: str(r.account.owner) if r.account.owner_id else ""),
        (_("Key account status"), lambda r: r.account.get_status_display()),
        (_("Revenue (EUR)"), lambda r: r.figures.revenue),
        (_("DB I (EUR)"), lambda r: r.figures.db1),
        (_("Special-condition cost (EUR)"), lambda r: r.figures.condition_cost),
        (_("DB II (EUR)"), lambda r: r.figures.db2),
        (_("Sales care cost (EUR)"), lambda r: r.figures.care_cost),
        (_("DB III (EUR)"), lambda r: r.figures.db3),
        (_("Service cost (EUR)"), lambda r: r.figures.service_cost),
        (_("DB IV (EUR)"), lambda r: r.figures.db4),
        (_("DB IV (% of revenue)"), lambda r: _percent(r.figures.db4_rate)),
        (_("Care cost per EUR revenue"), lambda r: _percent(r.figures.care_per_revenue)),
        (_("Care entitlement (EUR)"), lambda r: r.entitlement),
        (_("Cumulative DB IV (EUR)"), lambda r: r.cumulative),
        (_("Over-served"), lambda r: _("yes") if r.over_served else _("no")),
        (_("Under-served"), lambda r: _("yes") if r.under_served else _("no")),
    ]


def ranking_lines(rows: list[AccountProfit]) -> list[list]:
    columns = _columns()
    return [[title for title, _value in columns]] + [
        [value(row) for _title, value in columns] for row in rows
    ]


def ranking_response(rows: list[AccountProfit], *, kind: str, fmt: str) -> HttpResponse:
    lines = ranking_lines(rows)
    name = f"profitability-{kind}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(core_exports.as_csv(lines), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            core_exports.as_xlsx(lines, title=_("Profitability")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
