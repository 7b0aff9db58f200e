"""The account page's tabs for customer contacts and the account plan.

Like every app's tabs they are rendered with the account page (one mechanism for all panels,
see kam.core.plugins); their queries are bounded by the tests.
"""

from django.utils.translation import gettext as _

from kam.activities.coverage import STALE_AFTER_DAYS, coverage_for, stakeholder_coverage
from kam.activities.forms import QuickActivityForm
from kam.activities.models import ActionStatus
from kam.activities.plan_selectors import current_plan
from kam.activities.selectors import account_activities
from kam.core.permissions import can_manage_cadence
from kam.core.plugins import Panel


def _contacts_context(user, account) -> dict:
    return {
        "quick_form": QuickActivityForm(account=account),
        "recent_activities": account_activities(account, limit=10),
        "coverage": coverage_for([account])[0],
        "stakeholder_coverage": stakeholder_coverage(account),
        "stale_days": STALE_AFTER_DAYS,
        "can_manage_cadence": can_manage_cadence(user),
    }


def _plan_context(user, account) -> dict:
    plan = current_plan(account)
    open_actions = (
        plan.actions.filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
        .select_related("owner")
        .order_by("due_date", "id")[:10]
        if plan
        else []
    )
    return {"current_plan": plan, "open_actions": list(open_actions)}


def account_panels(request, account) -> list[Panel]:
    user = request.user
    return [
        Panel(
            id="contacts",
            title=_("Contacts"),
            template="activities/panels/contacts.html",
            context=_contacts_context(user, account),
        ),
        Panel(
            id="plan",
            title=_("Account plan"),
            template="activities/panels/plan.html",
            context=_plan_context(user, account),
        ),
    ]
