"""The account page's tabs for customer contacts and the account plan."""

from django.utils.translation import gettext as _

from kam.activities.coverage import STALE_AFTER_DAYS, coverage_for, stakeholder_coverage
from kam.activities.forms import QuickActivityForm
from kam.activities.models import ActionStatus
from kam.activities.plan_selectors import current_plan
from kam.activities.selectors import account_activities
from kam.core.plugins import Panel
from kam.users.models import Role


def _contacts_panel(request, account) -> Panel:
    coverage = coverage_for([account])[0]
    user = request.user
    return Panel(
        id="contacts",
        title=_("Contacts"),
        template="activities/panels/contacts.html",
        context={
            "quick_form": QuickActivityForm(),
            "recent_activities": account_activities(account, limit=10),
            "coverage": coverage,
            "stakeholder_coverage": stakeholder_coverage(account),
            "stale_days": STALE_AFTER_DAYS,
            "can_manage_cadence": user.is_superuser or user.role in (Role.ADMIN, Role.LEADERSHIP),
        },
        badge="!" if coverage.state.overdue else "",
    )


def _plan_panel(request, account) -> Panel:
    plan = current_plan(account)
    actions = (
        list(
            plan.actions.filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
            .select_related("owner")
            .order_by("due_date", "id")[:10]
        )
        if plan
        else []
    )
    return Panel(
        id="plan",
        title=_("Account plan"),
        template="activities/panels/plan.html",
        context={"current_plan": plan, "open_actions": actions},
    )


def account_panels(request, account) -> list[Panel]:
    return [_contacts_panel(request, account), _plan_panel(request, account)]
