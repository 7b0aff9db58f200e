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
#: Who may be chosen as an account's owner: the people who work on accounts.
_ACCOUNT_OWNER_ROLES = _OWN_ACCOUNTS_ROLES
#: Who may own a complaint: customer service or the people who work on accounts.
_COMPLAINT_OWNER_ROLES = _OWN_ACCOUNTS_ROLES | {Role.CUSTOMER_SERVICE}
#: Who hears of a complaint whose SLA has been breached at the last escalation level.
_ESCALATION_ROLES = frozenset({Role.LEADERSHIP})


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


def can_bulk_edit_accounts(user: Viewer) -> bool:
    """Bulk actions on the account list (each still only on the accounts the user may edit)."""
    return can_edit_all_accounts(user) or works_on_own_accounts(user)


def can_edit_account(user: Viewer, account: Account) -> bool:
    """Change the account and what hangs on it; a team seat with read access does not count."""
    from kam.accounts.selectors import accounts_editable_by

    return _on_account(account, "editable", user, lambda: accounts_editable_by(user))


def _on_account(account: Account, question: str, user: Viewer, scope) -> bool:
    """Whether `scope()` (a queryset of accounts for the user) holds the account. A page asks
    this for one account many times (header, every app's tab): the answer is kept on the
    account object, which lives for one request."""
    answers = account.__dict__.setdefault("_kam_answers", {})
    key = (question, user.pk if _active(user) else None)
    if key not in answers:
        answers[key] = scope().filter(pk=account.pk).exists()
    return answers[key]


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

    return _on_account(account, "complaints", user, lambda: complaint_workable_accounts(user))


def can_delete_complaints(user: Viewer) -> bool:
    return _leads(user)


def can_manage_complaint_settings(user: Viewer) -> bool:
    """SLA templates, per-account agreements, the lists of categories and root causes."""
    return _leads(user)


# --- referrals and references


def can_manage_referrals(user: Viewer, account: Account) -> bool:
    """Record referrals an account gave, keep its reference profile, ask it for a reference:
    whoever may edit the account."""
    return can_edit_account(user, account)


def can_manage_competitors(user: Viewer) -> bool:
    """Keep the list of competitors: leadership and key account managers."""
    return _in_roles(user, _ACCOUNT_CREATING_ROLES)


def can_follow_up_referral(user: Viewer, referral) -> bool:
    """Move a referral on: its owner, or whoever may manage referrals of either side."""
    if not _active(user):
        return False
    return (
        referral.owner_id == user.pk
        or can_manage_referrals(user, referral.referring_account)
        or can_manage_referrals(user, referral.referred_account)
    )


# --- profitability (who sees statements at all: `can_view_margins`)


def can_edit_cost_rates(user: Viewer) -> bool:
    """Cost rates with their validity and the care entitlement per account class."""
    return _leads(user)


# --- conditions, administration


def can_approve_conditions(user: Viewer) -> bool:
    """Special conditions outside the rules need sales leadership (or an administrator)."""
    return _leads(user)


def can_view_conditions(user: Viewer) -> bool:
    """Special conditions, offers and the invoiced-price check are confidential: never for
    customer service; everyone else sees those of the accounts they see."""
    return _active(user) and (user.is_superuser or user.role != Role.CUSTOMER_SERVICE)


def can_edit_conditions(user: Viewer) -> bool:
    """Write agreements and offers: leadership and key account managers (field reps read)."""
    return _in_roles(user, _ACCOUNT_CREATING_ROLES)


def can_manage_products(user: Viewer) -> bool:
    """The product catalogue and its import."""
    return _leads(user)


def can_manage_authority_policy(user: Viewer) -> bool:
    """The approval authority policy (maximum discount and margin floor by role and class)."""
    return _leads(user)


def has_unlimited_authority(user: Viewer) -> bool:
    """Leadership may grant any condition; others are bound by the authority policy."""
    return _leads(user)


def authority_role(user: Viewer) -> str:
    """The role under which the authority policy looks a user up."""
    if not _active(user):
        return ""
    return str(Role.ADMIN) if user.is_superuser else str(user.role)


def can_edit_account_conditions(user: Viewer, account: Account) -> bool:
    """Agreements and offers of one account: an editor of conditions who may edit the account."""
    return can_edit_conditions(user) and can_edit_account(user, account)


def can_view_account_conditions(user: Viewer, account: Account) -> bool:
    from kam.accounts.selectors import accounts_visible_to

    return can_view_conditions(user) and _on_account(
        account, "visible", user, lambda: accounts_visible_to(user)
    )


def can_open_admin(user: Viewer) -> bool:
    """Django's admin; it checks `is_staff` itself, this decides whether kam links to it."""
    return _active(user) and user.is_staff


# --- who may be chosen for a part in the work (the user lists of forms and recipients)
#
# Each is a capability of one user (in the matrix like the others) and, with the same roles, a
# query for the lists: the form's choices and the recipients follow the capability.


def _has_role(user: Viewer, roles: frozenset[Role]) -> bool:
    """The role alone, without the superuser's rights: an administrator is not chosen as an
    account's owner or sent escalations unless the role says so."""
    return _active(user) and user.role in roles


def can_own_accounts(user: Viewer) -> bool:
    """May be chosen as an account's owner (the account form's list)."""
    return _has_role(user, _ACCOUNT_OWNER_ROLES)


def can_own_complaints(user: Viewer) -> bool:
    """May be chosen as the owner of a complaint (the complaint form's list)."""
    return _has_role(user, _COMPLAINT_OWNER_ROLES)


def receives_leadership_escalations(user: Viewer) -> bool:
    """Is told when a complaint reaches the leadership level of the escalation."""
    return _has_role(user, _ESCALATION_ROLES)


def _users_in(roles: frozenset[Role]):
    from kam.users.models import User

    return User.objects.filter(is_active=True, role__in=roles).order_by("last_name", "first_name")


def users_who_can_own_accounts():
    """The active users for whom `can_own_accounts` is true, by name."""
    return _users_in(_ACCOUNT_OWNER_ROLES)


def users_who_can_own_complaints():
    """The active users for whom `can_own_complaints` is true, by name."""
    return _users_in(_COMPLAINT_OWNER_ROLES)


def users_receiving_leadership_escalations():
    """The active users for whom `receives_leadership_escalations` is true, by name."""
    return _users_in(_ESCALATION_ROLES)


#: Each user list above with the capability it lists (a test checks they agree).
USER_LISTS = {
    "can_own_accounts": users_who_can_own_accounts,
    "can_own_complaints": users_who_can_own_complaints,
    "receives_leadership_escalations": users_receiving_leadership_escalations,
}
# --- campaigns: consent, mailings


def can_send_mailings(user: Viewer) -> bool:
    """Build segments and send mailings to the visible accounts' contacts."""
    return _in_roles(user, _LEADING_ROLES | {Role.KEY_ACCOUNT_MANAGER})


def can_change_segment(user: Viewer, segment) -> bool:
    """A shared segment is changed (filters, accounts added from the list) by the one who made
    it or leadership: others' mailings to it must not change their recipients behind their
    back."""
    return can_send_mailings(user) and (
        segment.created_by_id == user.pk or can_approve_mailings(user)
    )


def can_approve_mailings(user: Viewer) -> bool:
    """Mailings above KAM_MAILING_APPROVAL_ABOVE recipients, and the outbox's uncertain mails."""
    return _leads(user)


def can_see_consent(user: Viewer) -> bool:
    """The consent records and their printable proof (personal data of contact persons)."""
    return _in_roles(user, _LEADING_ROLES | {Role.KEY_ACCOUNT_MANAGER, Role.CUSTOMER_SERVICE})


def can_manage_consent_wording(user: Viewer) -> bool:
    """Publish a new version of the wording shown when asking for consent."""
    return _leads(user)


def can_handle_data_subject_requests(user: Viewer) -> bool:
    """A contact person's GDPR rights: the export of everything held (Art. 15) and the erasure
    (Art. 17), and the retention list."""
    return _leads(user)


def can_record_consent(user: Viewer, account: Account) -> bool:
    """Record a consent or a withdrawal for a contact person of the account."""
    return can_see_consent(user) and can_edit_account(user, account)


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
        can_bulk_edit_accounts,
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
        can_view_conditions,
        can_edit_conditions,
        can_manage_products,
        can_manage_authority_policy,
        has_unlimited_authority,
        can_open_admin,
        can_manage_competitors,
        can_own_accounts,
        can_own_complaints,
        receives_leadership_escalations,
        can_send_mailings,
        can_approve_mailings,
        can_see_consent,
        can_manage_consent_wording,
        can_handle_data_subject_requests,
        can_edit_cost_rates,
    )
}

ACCOUNT_CAPABILITIES: dict[str, Callable[[Viewer, Account], bool]] = {
    fn.__name__: fn
    for fn in (
        can_edit_account,
        can_confirm_status_proposals,
        can_work_on_complaints,
        can_manage_referrals,
        can_record_consent,
        can_edit_account_conditions,
        can_view_account_conditions,
    )
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
