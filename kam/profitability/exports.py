"""The profitability ranking and the served lists as CSV or XLSX through kam.core.exports'
declared columns (every name stays text, never a formula). Callers have checked the margin
permission."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core import exports as core_exports
from kam.core.exports import EUR, INTEGER, PERCENT, Column
from kam.profitability.selectors import AccountProfit


def _columns() -> list[Column]:
    def yes_no(flag: bool) -> str:
        return _("yes") if flag else _("no")

    return [
        Column(_("Rank"), lambda r: r.rank, INTEGER),
        Column(_("Customer number"), lambda r: r.account.customer_number),
        Column(_("Account"), lambda r: r.account.name),
        Column(
            _("Key account manager"), lambda r: str(r.account.owner) if r.account.owner_id else ""
        ),
        Column(_("Key account status"), lambda r: r.account.get_status_display()),
        Column(_("Revenue (EUR)"), lambda r: r.figures.revenue, EUR),
        Column(_("DB I (EUR)"), lambda r: r.figures.db1, EUR),
        Column(_("Special-condition cost (EUR)"), lambda r: r.figures.condition_cost, EUR),
        Column(_("DB II (EUR)"), lambda r: r.figures.db2, EUR),
        Column(_("Sales care cost (EUR)"), lambda r: r.figures.care_cost, EUR),
        Column(_("DB III (EUR)"), lambda r: r.figures.db3, EUR),
        Column(_("Service cost (EUR)"), lambda r: r.figures.service_cost, EUR),
        Column(
            _("Of which freight, packaging, handling from the ERP (EUR)"),
            lambda r: r.figures.erp_cost,
            EUR,
        ),
        Column(_("DB IV (EUR)"), lambda r: r.figures.db4, EUR),
        Column(_("DB IV (% of revenue)"), lambda r: r.figures.db4_rate, PERCENT),
        Column(_("Care cost per EUR revenue"), lambda r: r.figures.care_per_revenue, PERCENT),
        Column(
            _("Care cost per 1,000 EUR revenue (EUR)"), lambda r: r.figures.care_per_thousand, EUR
        ),
        Column(
            _("Care and service cost per 1,000 EUR revenue (EUR)"),
            lambda r: r.figures.cost_to_serve_per_thousand,
            EUR,
        ),
        Column(_("Care entitlement (EUR)"), lambda r: r.entitlement, EUR),
        Column(_("Cumulative DB IV (EUR)"), lambda r: r.cumulative, EUR),
        Column(_("Over-served"), lambda r: yes_no(r.over_served)),
        Column(_("Under-served"), lambda r: yes_no(r.under_served)),
        Column(_("A account (analysis)"), lambda r: yes_no(r.a_account)),
        Column(_("Rising (forecast)"), lambda r: yes_no(r.rising)),
    ]


def _cadence_columns() -> list[Column]:
    return [
        Column(_("Contacts"), lambda r: r.contacts, INTEGER),
        Column(
            _("Contacts the cadence asks for"),
            lambda r: round(r.contact_target) if r.contact_target is not None else None,
            INTEGER,
        ),
    ]


def ranking_response(rows: list[AccountProfit], *, kind: str, fmt: str) -> HttpResponse:
    cadence = _cadence_columns() if kind.startswith("cadence-") else []
    return core_exports.response(
        _columns() + cadence,
        rows,
        fmt=fmt,
        title=_("Profitability"),
        filename=f"profitability-{kind}-{timezone.localdate():%Y-%m-%d}",
    )
