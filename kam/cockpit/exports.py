"""ABC list, tomorrow's top and the KPI table as CSV or XLSX.

The rows come from the same selectors as the pages (so visibility and filters are the same);
margin columns exist only for users with the margin permission; the writers of kam.core.exports
keep every text a text: a customer called "=HYPERLINK(...)" stays text in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kam.cockpit.selectors import Scope
from kam.core import exports as core_exports
from kam.core.money import cents_to_decimal
from kam.sales import figures

FORMATS = ("csv", "xlsx")


@dataclass
class Column:
    title: str
    value: object  # a function of the row
    margin: bool = False


def _percent(value: float | None) -> Decimal | None:
    return None if value is None else round(Decimal(str(value)) * 100, 1)


def _owner(account) -> str:
    return str(account.owner) if account.owner_id else ""


def result_columns(scope: Scope) -> list[Column]:
    """The columns of the ABC list and tomorrow's top; revenue, growth, share and margin are
    those of the period the filters chose (see kam.cockpit.selectors.results)."""
    company = scope.company_revenue_cents
    return [
        Column(_("Rank today"), lambda r: r.rank_today),
        Column(_("Rank tomorrow"), lambda r: r.rank_tomorrow),
        Column(_("Customer number"), lambda r: r.account.customer_number),
        Column(_("Account"), lambda r: r.account.name),
        Column(_("Key account manager"), lambda r: _owner(r.account)),
        Column(_("ABC (revenue)"), lambda r: r.abc_revenue),
        Column(_("XYZ"), lambda r: r.xyz),
        Column(_("Revenue, 12 months (EUR)"), lambda r: cents_to_decimal(r.period_revenue_cents)),
        Column(
            _("Revenue, 12 months before (EUR)"),
            lambda r: cents_to_decimal(r.period_revenue_prev_cents),
        ),
        Column(
            _("Growth (%)"),
            lambda r: _percent(figures.growth(r.period_revenue_cents, r.period_revenue_prev_cents)),
        ),
        Column(
            _("Share of revenue (%)"),
            lambda r: _percent(figures.share(r.period_revenue_cents, company)),
        ),
        Column(
            _("Margin, 12 months (EUR)"), lambda r: cents_to_decimal(r.period_margin_cents), True
        ),
        Column(_("ABC (margin)"), lambda r: r.abc_margin, True),
        Column(
            _("Forecast, 12 months (EUR)"),
            lambda r: cents_to_decimal(r.expected_revenue_12m_cents),
        ),
        Column(_("Probability of being active (%)"), lambda r: _percent(r.p_alive)),
        Column(_("Score"), lambda r: None if r.score is None else round(r.score, 1)),
    ]


def kpi_columns() -> list[Column]:
    return [
        Column(_("Key account manager"), lambda k: str(k.owner or _("without owner"))),
        Column(_("Accounts"), lambda k: k.accounts),
        Column(_("Revenue, 12 months (EUR)"), lambda k: cents_to_decimal(k.revenue_cents)),
        Column(_("Growth (%)"), lambda k: _percent(k.growth)),
        Column(_("Margin, 12 months (EUR)"), lambda k: cents_to_decimal(k.margin_cents), True),
        Column(_("Margin (%)"), lambda k: _percent(k.margin_rate), True),
        Column(_("Share of A accounts (%)"), lambda k: _percent(k.a_share)),
        Column(_("Forecast, 12 months (EUR)"), lambda k: cents_to_decimal(k.forecast_cents)),
        Column(_("Forecast against last year (%)"), lambda k: _percent(k.forecast_change)),
        Column(_("Contact coverage (%)"), lambda k: _percent(k.coverage)),
        Column(_("Open complaints"), lambda k: k.complaints_open),
        Column(_("Complaints with breached SLA"), lambda k: k.complaints_breached),
        Column(_("Complaints, 12 months"), lambda k: k.complaints_12m),
    ]


def table(scope: Scope, columns: list[Column], rows: Iterable) -> Iterator[list]:
    """The header, then one list of cells per row, without margin columns for users who may not
    see margins. The writers below make the text safe (kam.core.exports)."""
    shown = [c for c in columns if scope.show_margins or not c.margin]
    yield [c.title for c in shown]
    for row in rows:
        yield [c.value(row) for c in shown]  # type: ignore[operator]


def as_csv(lines: Iterable[list]) -> bytes:
    return core_exports.as_csv(lines)


def as_xlsx(lines: Iterable[list], *, title: str) -> bytes:
    return core_exports.as_xlsx(lines, title=title)
