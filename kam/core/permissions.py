"""Who may do what: every capability of kam, named once, as a function of the user.

Views, selectors, services, the API and templates ask these functions (templates through
`perms_kam`, see `kam.core.context_processors.permissions`); no other module looks at a user's
role, superuser flag or Django permissions to decide what the user may do. Deny by default: an
anonymous or deactivated user may do nothing.

Which accounts a user sees stays one scoping selector, `accounts_visible_to(user)` in
`kam.accounts.selectors`; it asks `can_see_all_accounts` and `works_on_own_accounts` here.

`CAPABILITIES` (of the user) and `ACCOUNT_CAPABILITIES` (of the user on one account) list every
capability: the permission matrix (`kam.testing.matrix.CAPABILITY_TABLE`) has one row for each,
and a capability added here without a row there fails the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard

from kam.users.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kam.accounts.models import Account
    from kam.users.models import User

    Viewer = User | AnonymousUser

#: Administrators and sales leadership: the company-wide capabilities.
_LEADING_ROLES = frozenset({Role.ADMIN, Role.LEADERSHIP})
#: Customer service works for every customer, so it sees (not edits) every account.
_ALL_ACCOUNTS_ROLES = _LEADING_ROLES | {Role.CUSTOMER_SERVICE}
#: Roles whose accounts are the ones they own or sit on the team of, and their reports'.
_OWN_ACCOUNTS_ROLES = frozenset({Role.KEY_ACCOUNT_MANAGER, Role.FIELD_SALES})
_ACCOUNT_CREATING_ROLES = _LEADING_ROLES | {Role.KEY_ACCOUNT_MANAGER}
#: Roles that get the margin permission when a user is created without saying otherwise.
_MARGIN_ROLES = frozenset({Role.ADMIN, Role.LEADERSHIP, Role.KEY_ACCOUNT_MANAGER})


def _active(user: Viewer) -> TypeGuard[User]:
    return bool(user.is_authenticated and user.is_active)


def _in_roles(user: Viewer, roles: frozenset[Role]) -> bool:
    return _active(user) and (user.is_superuser or user.role in roles)


def _leads(user: Viewer) -> bool:
    return _in_roles(user, _LEADING_ROLES)


# --- accounts


def can_see_all_accounts(user: Viewer) -> bool:
    """Every account, without a scope: leadership, administrators and customer service."""
    return _in_roles(user, _ALL_ACCOUNTS_ROLES)


def can_edit_all_accounts(user: Viewer) -> bool:
    return _leads(user)


def works_on_own_accounts(user: Viewer) -> bool:
    """Key account managers and field reps: their accounts, their reports' and the groups below."""
    return _active(user) and user.role in _OWN_ACCOUNTS_ROLES


def can_create_accounts(user: Viewer) -> bool:
    return _in_roles(user, _ACCOUNT_CREATING_ROLES)


def can_delete_accounts(user: Viewer) -> bool:
    return _leads(user)


def can_edit_account(user: Viewer, account: Account) -> bool:
    """Change the account and what hangs on it; a team seat with read access does not count."""
    from kam.accounts.selectors import accounts_editable_by

    return accounts_editable_by(user).filter(pk=account.pk).exists()


# --- figures, imports, analysis


def can_view_margins(user: Viewer) -> bool:
    """Margins and contribution figures are a Django permission of their own, never for service."""
    if not _active(user):
        return False
    if user.role == Role.CUSTOMER_SERVICE and not user.is_superuser:
        return False
    return user.has_perm("users.view_margins")


def can_import_sales(user: Viewer) -> bool:
    """Imports touch every account: leadership, administrators, or the `sales.run_import` right."""
    return _leads(user) or (_active(user) and user.has_perm("sales.run_import"))


def can_edit_analysis_settings(user: Viewer) -> bool:
    """Thresholds, weights and "start the analysis now"."""
    return _leads(user)


def can_confirm_status_proposals(user: Viewer, account: Account) -> bool:
    """Confirm or decline a proposed key account status: whoever may edit the account."""
    return can_edit_account(user, account)


def can_view_forecast_quality(user: Viewer) -> bool:
    """The model card "Wie gut ist die Prognose?": leadership for all, a KAM for their portfolio."""
    return _leads(user) or _in_roles(user, frozenset({Role.KEY_ACCOUNT_MANAGER}))


def can_see_company_portfolio(user: Viewer) -> bool:
    """Company-wide concentration, dependency and the key figures of every manager."""
    return _leads(user)


def sees_service_cockpit(user: Viewer) -> bool:
    """Customer service starts on accounts with status and stakeholders instead of figures."""
    return _active(user) and user.role == Role.CUSTOMER_SERVICE and not user.is_superuser


# --- contacts and complaints


def can_manage_cadence(user: Viewer) -> bool:
    """The company's contact cadence per account class and per-account overrides."""
    return _leads(user)


def can_see_every_agenda(user: Viewer) -> bool:
    """Everyone's agenda; others see their own and their reports' (down the manager chain)."""
    return _leads(user)


def can_work_on_every_visible_complaint(user: Viewer) -> bool:
    """Customer service works on the complaints of every account it sees, editable or not."""
    return _active(user) and user.role == Role.CUSTOMER_SERVICE


def can_work_on_complaints(user: Viewer, account: Account) -> bool:
    from kam.complaints.selectors import complaint_workable_accounts

    return complaint_workable_accounts(user).filter(pk=account.pk).exists()


def can_delete_complaints(user: Viewer) -> bool:
    return _leads(user)


def can_manage_complaint_settings(user: Viewer) -> bool:
    """SLA templates, per-account agreements, the lists of categories and root causes."""
    return _leads(user)


# --- conditions, administration


def can_approve_conditions(user: Viewer) -> bool:
    """Special conditions outside the rules need sales leadership (or an administrator)."""
    return _leads(user)


def can_open_admin(user: Viewer) -> bool:
    """Django's admin; it checks `is_staff` itself, this decides whether kam links to it."""
    return _active(user) and user.is_staff


# --- what a new user of a role gets (user creation, the demo, the test factories)


def gets_admin_rights(role: str) -> bool:
    """Administrators get Django's staff and superuser flags: the admin and every permission."""
    return role == Role.ADMIN


def gets_margins_by_default(role: str) -> bool:
    """Whether a new user of `role` gets the margin permission unless told otherwise."""
    return role in _MARGIN_ROLES


CAPABILITIES: dict[str, Callable[[Viewer], bool]] = {
    fn.__name__: fn
    for fn in (
        can_see_all_accounts,
        can_edit_all_accounts,
        works_on_own_accounts,
        can_create_accounts,
        can_delete_accounts,
        can_view_margins,
        can_import_sales,
        can_edit_analysis_settings,
        can_view_forecast_quality,
        can_see_company_portfolio,
        sees_service_cockpit,
        can_manage_cadence,
        can_see_every_agenda,
        can_work_on_every_visible_complaint,
        can_delete_complaints,
        can_manage_complaint_settings,
        can_approve_conditions,
        can_open_admin,
    )
}

ACCOUNT_CAPABILITIES: dict[str, Callable[[Viewer, Account], bool]] = {
    fn.__name__: fn
    for fn in (can_edit_account, can_confirm_status_proposals, can_work_on_complaints)
}


class UnknownCapability(Exception):  # noqa: N818 (the name says what went wrong)
    """A template asked `perms_kam` for a capability that does not exist: a typo must not
    quietly deny (templates look up `perms_kam[name]` first, and this is not swallowed)."""


class UserCapabilities:
    """`perms_kam.can_view_margins` in templates: each capability of the user, asked when used
    and at most once per request."""

    def __init__(self, user: Viewer) -> None:
        self._user = user
        self._answers: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in CAPABILITIES:
            raise UnknownCapability(f"kam has no capability {name!r}")
        if name not in self._answers:
            self._answers[name] = CAPABILITIES[name](self._user)
        return self._answers[name]

    def __getattr__(self, name: str) -> bool:
        if name not in CAPABILITIES:
            raise AttributeError(name)
        return self[name]
