"""Profitability's block on the cockpit (the contract is in kam.core.plugins): over- and
under-served accounts by contact cadence, only for users who may see margins. The block loads
after the page (htmx), so the cockpit never waits for the ranking."""

from django.utils.translation import gettext as _

from kam.core.permissions import can_view_margins
from kam.core.plugins import Panel


def cockpit_panels(request) -> list[Panel]:
    if not can_view_margins(request.user):
        return []
    loader = "profitability/_cockpit_loader.html"
    return [Panel("profitability-served", _("Care against profit"), loader)]
