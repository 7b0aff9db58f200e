from django.utils.translation import gettext as _

from kam.complaints import selectors
from kam.core.permissions import can_work_on_complaints
from kam.core.plugins import Panel


def account_panels(request, account) -> list[Panel]:
    """The account's complaints as a tab; the badge counts the open ones."""
    figures = selectors.complaint_figures_for_accounts([account.pk])[account.pk]
    context = {
        "complaint_figures": figures,
        "account_complaints": selectors.account_complaints(account),
        "can_record_complaint": can_work_on_complaints(request.user, account),
    }
    badge = str(figures.open_count) if figures.open_count else ""
    return [Panel("complaints", _("Complaints"), "complaints/_account_panel.html", context, badge)]
