"""The group's combined figures as a tab of a group account's page (the contract is in
kam.core.plugins), rendered with the page like every other tab."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.cockpit import account as account_figures
from kam.core.permissions import can_view_margins
from kam.core.plugins import Panel


def account_panels(request, account) -> list[Panel]:
    if not getattr(account, "member_count", None) and not account.members.exists():
        return []
    overview = account_figures.group_overview(
        account, user=request.user, today=timezone.localdate()
    )
    context = {"group": overview, "show_margins": can_view_margins(request.user)}
    return [Panel("group-figures", _("Group figures"), "cockpit/_group_figures.html", context)]
