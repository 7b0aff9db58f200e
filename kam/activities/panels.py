"""The account page's tabs for customer contacts and the account plan.

The tabs load their content when they are opened, so the account page itself costs no queries
here; `panel_context` builds what a tab shows.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.activities.coverage import STALE_AFTER_DAYS, coverage_for, stakeholder_coverage
from kam.activities.forms import QuickActivityForm
from kam.activities.models import ActionStatus
from kam.activities.plan_selectors import current_plan
from kam.activities.selectors import account_activities
from kam.core.permissions import can_manage_cadence
from kam.core.plugins import Panel

PANEL_TEMPLATES = {
    "contacts": "activities/panels/contacts.html",
    "plan": "activities/panels/plan.html",
}


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


def panel_context(name: str, user, account) -> dict:
    builder = {"contacts": _contacts_context, "plan": _plan_context}[name]
    return builder(user, account)


def _lazy(account, name: str, title: str) -> Panel:
    url = reverse("activities:account_panel", kwargs={"pk": account.pk, "name": name})
    return Panel(id=name, title=title, template="activities/panels/lazy.html", context={"url": url})


def account_panels(request, account) -> list[Panel]:
    return [_lazy(account, "contacts", _("Contacts")), _lazy(account, "plan", _("Account plan"))]
