from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.permissions import can_view_margins
from kam.core.plugins import Panel
from kam.profitability import selectors
from kam.profitability.views import waterfall_labels


def account_panels(request, account) -> list[Panel]:
    """The DB I-IV statement as a tab, only for users who may see margins."""
    if not can_view_margins(request.user):
        return []
    statement = selectors.account_statement(account=account, as_of=timezone.localdate())
    context = {
        "statement": statement,
        "waterfall": selectors.waterfall_chart(statement.total, waterfall_labels()),
        "conditions_recorded": statement.conditions_recorded,
    }
    return [
        Panel(
            "profitability", _("Contribution margins"), "profitability/_account_panel.html", context
        )
    ]
