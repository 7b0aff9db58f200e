"""The approval authority policy: what a user may grant on their own (by role and the account's
ABC class), the company's margin floor per class, and who approves a request above the
requester's authority (the first user up the manager chain whose authority covers it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q
from django.urls import reverse

from kam.accounts.models import Account
from kam.analysis.selectors import account_latest_result
from kam.conditions.models import AuthorityEvent, AuthorityRule
from kam.core import permissions
from kam.users.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Authority:
    """None means "no limit"."""

    max_discount: Decimal | None
    margin_floor: Decimal | None

    def covers(self, *, discount: Decimal | None, margin: Decimal | None) -> bool:
        if discount is not None and self.max_discount is not None and discount > self.max_discount:
            return False
        return not (
            margin is not None and self.margin_floor is not None and margin < self.margin_floor
        )


UNLIMITED = Authority(None, None)
#: Without a rule for a role a user may grant no discount at all.
NOTHING = Authority(Decimal(0), None)


@dataclass(frozen=True)
class Requirement:
    """What a request needs: its largest discount and its smallest margin (percent)."""

    discount: Decimal | None
    margin: Decimal | None


def account_abc_class(account: Account) -> str:
    result = account_latest_result(account)
    return result.abc_revenue if result is not None else ""


def _rule(rules: list[AuthorityRule], role: str, abc_class: str) -> AuthorityRule | None:
    """The rule of the role for the class, else the role's rule for every class."""
    keyed = {(rule.role, rule.abc_class): rule for rule in rules}
    return keyed.get((role, abc_class)) or keyed.get((role, ""))


def load_rules(role: str = "") -> list[AuthorityRule]:
    query = AuthorityRule.objects.all()
    if role:
        query = query.filter(Q(role=role) | Q(role=""))
    return list(query)


def authority_of(user: User, abc_class: str, rules: list[AuthorityRule] | None = None) -> Authority:
    if permissions.has_unlimited_authority(user):
        return UNLIMITED
    role = permissions.authority_role(user)
    rule = _rule(load_rules(role) if rules is None else rules, role, abc_class) if role else None
    if rule is None:
        return NOTHING
    return Authority(rule.max_discount_percent, rule.margin_floor_percent)


def company_margin_floor(
    abc_class: str, rules: list[AuthorityRule] | None = None
) -> Decimal | None:
    """The floor of the class's rule for every role (role ''), or of the rule for every class."""
    rule = _rule(load_rules() if rules is None else rules, "", abc_class)
    return rule.margin_floor_percent if rule else None


def manager_chain(user: User) -> list[User]:
    chain = [user]
    seen = {user.pk}
    while (manager := chain[-1].manager) is not None and manager.pk not in seen:
        chain.append(manager)
        seen.add(manager.pk)
    return chain


def approver_for(*, requester: User, requirement: Requirement, abc_class: str) -> User | None:
    """The first user up the requester's manager chain (starting with the requester) whose
    authority covers the requirement; leadership when the chain has nobody who may."""
    rules = load_rules()
    for user in manager_chain(requester):
        if not user.is_active:
            continue
        authority = authority_of(user, abc_class, rules)
        if authority.covers(discount=requirement.discount, margin=requirement.margin):
            return user
    for user in User.objects.filter(is_active=True).order_by("pk"):
        if permissions.has_unlimited_authority(user):
            return user
    return None


def may_approve(user: User, *, requirement: Requirement, abc_class: str) -> bool:
    authority = authority_of(user, abc_class)
    return authority.covers(discount=requirement.discount, margin=requirement.margin)


def audit(*, user: User | None, action: str, subject: str, **detail) -> None:
    AuthorityEvent.objects.create(
        user=user,
        action=action,
        subject=subject[:200],
        detail={key: str(value) for key, value in detail.items()},
    )


def notify_approver(*, approver: User, kind: str, title: str, url: str, key: str) -> None:
    """Tells the approver through kam's notifications (when that app is installed)."""
    if not apps.is_installed("kam.notifications"):
        logger.info("notification for %s: %s", approver, title)
        return
    from kam.notifications.services import notify

    notify(recipient=approver, kind=kind, title=title, url=url, key=key)


def agreement_url(agreement) -> str:
    return reverse("conditions:agreement_detail", kwargs={"pk": agreement.pk})
