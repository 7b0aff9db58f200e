"""Figures of a cockpit row in the period the filters chose (see kam.cockpit.selectors.results)."""

from django import template

from kam.sales import figures

register = template.Library()


@register.filter
def period_growth(row) -> float | None:
    """The row's revenue in the period against the same months a year before."""
    return figures.growth(row.period_revenue_cents, row.period_revenue_prev_cents)


@register.filter
def share_of(cents, whole) -> float | None:
    return figures.share(cents, whole)
