"""The JSON that feeds the cockpit's charts, built from the same selectors as the pages.

Amounts are euros as numbers (a chart needs numbers); margins are left out entirely for users
without the margin permission. Labels come translated, so the chart script has no text.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.cockpit import selectors
from kam.cockpit.account import ChartMonth
from kam.cockpit.kpis import OwnerKpis
from kam.cockpit.selectors import ClassFigures, Scope


def euros(cents: int | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)


def abc_chart(scope: Scope, classes: list[ClassFigures]) -> dict:
    shown = [c for c in classes if c.label != "Σ"]
    data: dict = {
        "kind": "bar",
        "categories": [c.label for c in shown],
        "series": [
            {"name": scope.filters.revenue_label, "data": [euros(c.revenue_cents) for c in shown]},
            {
                "name": scope.filters.revenue_before_label,
                "data": [euros(c.revenue_prev_cents) for c in shown],
            },
        ],
    }
    if scope.show_margins:
        data["series"].append(
            {"name": scope.filters.margin_label, "data": [euros(c.margin_cents) for c in shown]}
        )
    return data


def lorenz_chart(scope: Scope) -> dict:
    return {
        "kind": "lorenz",
        "points": selectors.lorenz_points(scope),
        "labels": {
            "x": _("Share of accounts"),
            "y": _("Share of revenue"),
            "curve": _("Lorenz curve"),
            "equality": _("Equal distribution"),
        },
    }


def portfolio_chart(bubbles) -> dict:
    return {
        "kind": "bubble",
        "labels": {"x": _("Our position"), "y": _("Customer attractiveness")},
        "points": [
            {
                "name": result.account.name,
                "url": reverse("accounts:detail", kwargs={"pk": result.account_id}),
                "value": [
                    round(result.position, 3),
                    round(result.attractiveness, 3),
                    euros(result.revenue_12m_cents),
                ],
                "quadrant": result.get_quadrant_display(),
            }
            for result in bubbles
        ],
    }


def kpi_chart(scope: Scope, kpis: list[OwnerKpis]) -> dict:
    data: dict = {
        "kind": "bar",
        "categories": [str(row.owner or _("without owner")) for row in kpis],
        "series": [
            {
                "name": scope.filters.revenue_label,
                "data": [euros(row.revenue_cents) for row in kpis],
            },
            {"name": _("Forecast, 12 months"), "data": [euros(row.forecast_cents) for row in kpis]},
        ],
    }
    if scope.show_margins:
        data["series"].append(
            {"name": scope.filters.margin_label, "data": [euros(row.margin_cents) for row in kpis]}
        )
    return data


def account_chart(months: list[ChartMonth], *, show_margins: bool) -> dict:
    data: dict = {
        "kind": "account",
        "months": [m.month.strftime("%m/%Y") for m in months],
        "series": {
            "revenue": [euros(m.revenue_cents) for m in months],
            "forecast": [euros(m.forecast_cents) for m in months],
            "low": [euros(m.low_cents) for m in months],
            "high": [euros(m.high_cents) for m in months],
        },
        "labels": {
            "revenue": _("Revenue"),
            "forecast": _("Forecast"),
            "band": _("Forecast range"),
            "margin": _("Margin"),
            "forecast_margin": _("Forecast margin"),
        },
    }
    if show_margins:
        data["series"]["margin"] = [euros(m.margin_cents) for m in months]
        data["series"]["forecast_margin"] = [euros(m.forecast_margin_cents) for m in months]
    return data
