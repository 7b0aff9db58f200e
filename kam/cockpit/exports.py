"""ABC list, tomorrow's top and the KPI table as CSV or XLSX.

The rows come from the same selectors as the pages (so visibility and filters are the same);
margin columns exist only for users with the margin permission; kam.core.exports writes the
files (number formats, widths, frozen header, filter; every text a text: a customer called
"=HYPERLINK(...)" stays text in a spreadsheet).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.cockpit.selectors import Scope
from kam.core.exports import DECIMAL, EUR, INTEGER, PERCENT, Column
from kam.core.money import cents_to_decimal
from kam.sales import figures

FORMATS = ("csv", "xlsx")


def _owner(account) -> str:
    return str(account.owner) if account.owner_id else ""


def _euros(cents_of):
    return lambda row: cents_to_decimal(cents_of(row))


def _eur(label: str) -> str:
    """A heading of an amount: "Umsatz, 2025 (EUR)"."""
    return f"{label} (EUR)"


def _shown(scope: Scope, columns: list[Column], margins: list[Column]) -> list[Column]:
    """The columns in their order, without the margin ones for users who may not see margins."""
    return [c for c in columns if scope.show_margins or c not in margins]


def result_columns(scope: Scope) -> list[Column]:
    """The columns of the ABC list and tomorrow's top; revenue, growth, share and margin are
    those of the period the filters chose (see kam.cockpit.selectors.results)."""
    company = scope.company_revenue_cents
    margins = [
        Column(_eur(scope.filters.margin_label), _euros(lambda r: r.period_margin_cents), EUR),
        Column(_("ABC (margin)"), lambda r: r.abc_margin),
    ]
    columns = [
        Column(_("Rank today"), lambda r: r.rank_today, INTEGER),
        Column(_("Rank tomorrow"), lambda r: r.rank_tomorrow, INTEGER),
        Column(_("Customer number"), lambda r: r.account.customer_number),
        Column(_("Account"), lambda r: r.account.name),
        Column(_("Key account manager"), lambda r: _owner(r.account)),
        Column(_("ABC (revenue)"), lambda r: r.abc_revenue),
        Column(_("XYZ"), lambda r: r.xyz),
        Column(_eur(scope.filters.revenue_label), _euros(lambda r: r.period_revenue_cents), EUR),
        Column(
            _eur(scope.filters.revenue_before_label),
            _euros(lambda r: r.period_revenue_prev_cents),
            EUR,
        ),
        Column(
            _("Growth (%)"),
            lambda r: figures.growth(r.period_revenue_cents, r.period_revenue_prev_cents),
            PERCENT,
        ),
        Column(
            _("Share of revenue (%)"),
            lambda r: figures.share(r.period_revenue_cents, company),
            PERCENT,
        ),
        *margins,
        Column(_("Forecast, 12 months (EUR)"), _euros(lambda r: r.expected_revenue_12m_cents), EUR),
        Column(_("Probability of being active (%)"), lambda r: r.p_alive, PERCENT),
        Column(_("Score"), lambda r: r.score, DECIMAL),
    ]
    return _shown(scope, columns, margins)


def _profit(figure):
    """A figure of the manager's statements (kam.cockpit.kpis: only computed with margins)."""
    return lambda k: figure(k.profit) if k.profit is not None else None


def kpi_columns(scope: Scope) -> list[Column]:
    margins = [
        Column(_eur(scope.filters.margin_label), _euros(lambda k: k.margin_cents), EUR),
        Column(_("Margin (%)"), lambda k: k.margin_rate, PERCENT),
        Column(_("DB III (EUR)"), _profit(lambda p: p.db3), EUR),
        Column(_("DB IV (EUR)"), _profit(lambda p: p.db4), EUR),
        Column(_("Care cost per EUR revenue (%)"), _profit(lambda p: p.care_per_revenue), PERCENT),
    ]
    columns = [
        Column(_("Key account manager"), lambda k: str(k.owner or _("without owner"))),
        Column(_("Accounts"), lambda k: k.accounts, INTEGER),
        Column(_eur(scope.filters.revenue_label), _euros(lambda k: k.revenue_cents), EUR),
        Column(_("Growth (%)"), lambda k: k.growth, PERCENT),
        *margins,
        Column(_("Share of A accounts (%)"), lambda k: k.a_share, PERCENT),
        Column(_("Forecast, 12 months (EUR)"), _euros(lambda k: k.forecast_cents), EUR),
        Column(_("Forecast against last year (%)"), lambda k: k.forecast_change, PERCENT),
        Column(_("Contact coverage (%)"), lambda k: k.coverage, PERCENT),
        Column(_("Open complaints"), lambda k: k.complaints_open, INTEGER),
        Column(_("Complaints with breached SLA"), lambda k: k.complaints_breached, INTEGER),
        Column(_("Complaints, 12 months"), lambda k: k.complaints_12m, INTEGER),
    ]
    return _shown(scope, columns, margins)


def titles() -> dict[str, str]:
    """Each export's title: the sheet's name and the printed page's header."""
    return {
        "abc": _("ABC list"),
        "tomorrow": _("Tomorrow's top customers"),
        "kpis": _("KPIs per key account manager"),
    }
