"""KPI tiles and the monthly chart with the forecast above the tabs of the account page.

A `tiles.py` plug-in (the contract is in kam.core.plugins): the account page renders every
app's tiles above its tabs.
"""

from django.utils import timezone

from kam.cockpit.account import account_chart
from kam.cockpit.account import account_tiles as figures
from kam.core.permissions import can_view_margins
from kam.core.plugins import Panel


def account_tiles(request, account) -> list[Panel]:
    """The account page already checked that the user may see `account`."""
    today = timezone.localdate()
    tiles = figures(account, today=today)
    context = {
        "tiles": tiles,
        "months": account_chart(account, tiles.result, today=today) if tiles.result else [],
        "show_margins": can_view_margins(request.user),
    }
    return [Panel("cockpit-tiles", "", "cockpit/_account_tiles.html", context)]
