"""Writes of accounts, team memberships and stakeholders: atomic, validated, audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Stakeholder, TeamMembership
from kam.accounts.selectors import account_group_ids
from kam.search.index import index_refresh

ACCOUNT_FIELDS = (
    "customer_number",
    "name",
    "legal_form",
    "industry",
    "street",
    "postal_code",
    "city",
    "country",
    "website",
    "parent",
    "owner",
    "status",
    "tier",
)


def _validate_parent(account: Account) -> None:
    if account.parent_id is None or account.pk is None:
        return
    if account.parent_id in account_group_ids(account.pk):
        raise ValidationError(
            {"parent": _("An account cannot be placed below itself or one of its members.")}
        )


@transaction.atomic
def account_create(**fields: Any) -> Account:
    account = Account(**fields)
    account.full_clean()
    account.save()
    index_refresh("account", [account.pk])
    return account


@transaction.atomic
def account_update(*, account: Account, data: dict[str, Any]) -> Account:
    changed = [
        name for name in ACCOUNT_FIELDS if name in data and getattr(account, name) != data[name]
    ]
    for name in changed:
        setattr(account, name, data[name])
    if not changed:
        return account
    account.full_clean()
    _validate_parent(account)
    account.save(update_fields=[*changed, "updated_at"])
    if {"name", "customer_number", "city"} & set(changed):
        index_refresh("account", [account.pk])
    return account


@transaction.atomic
def account_delete(*, account: Account) -> None:
    account_id = account.pk
    stakeholder_ids = list(account.stakeholders.values_list("pk", flat=True))
    try:
        account.delete()
    except ProtectedError:
        raise ValidationError(
            _("The account still has members or data and cannot be deleted.")
        ) from None
    index_refresh("account", [account_id])
    index_refresh("stakeholder", stakeholder_ids)


@transaction.atomic
def team_member_set(*, account: Account, user, role: str, access: str) -> TeamMembership:
    membership = TeamMembership.objects.filter(account=account, user=user).first()
    if membership is None:
        membership = TeamMembership(account=account, user=user)
    membership.role, membership.access = role, access
    membership.full_clean(validate_constraints=False)
    membership.save()
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMembership) -> None:
    membership.delete()


def _validate_reports_to(stakeholder: Stakeholder) -> None:
    boss = stakeholder.reports_to
    if boss is None:
        return
    if boss.account_id != stakeholder.account_id:
        raise ValidationError({"reports_to": _("Only stakeholders of the same account.")})
    seen = {stakeholder.pk}
    while boss is not None:
        if boss.pk in seen:
            raise ValidationError({"reports_to": _("This would create a loop in the org chart.")})
        seen.add(boss.pk)
        boss = boss.reports_to


@transaction.atomic
def stakeholder_save(*, stakeholder: Stakeholder) -> Stakeholder:
    stakeholder.full_clean()
    _validate_reports_to(stakeholder)
    stakeholder.save()
    index_refresh("stakeholder", [stakeholder.pk])
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder) -> None:
    stakeholder_id = stakeholder.pk
    stakeholder.delete()
    index_refresh("stakeholder", [stakeholder_id])
