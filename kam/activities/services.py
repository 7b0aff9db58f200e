"""Writes of activities, cadences, relationship owners and calendar feeds: atomic, validated."""

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Stakeholder
from kam.activities.models import (
    AccountCadence,
    Activity,
    CadenceRule,
    CalendarFeed,
    StakeholderRelationship,
)
from kam.activities.selectors import token_hash
from kam.core.plugins import cost_drivers_changed
from kam.notifications.services import mentions_notify
from kam.users.models import User

ACTIVITY_FIELDS = (
    "kind",
    "status",
    "starts_at",
    "duration_minutes",
    "subject",
    "location",
    "outcome",
    "next_step",
    "next_step_due",
    "plan_action",
)


def _validate_links(activity: Activity, stakeholders: Iterable[Stakeholder]) -> None:
    if any(s.account_id != activity.account_id for s in stakeholders):
        raise ValidationError({"stakeholders": _("Only stakeholders of this account.")})
    action = activity.plan_action
    if action is not None and action.plan.account_id != activity.account_id:
        raise ValidationError({"plan_action": _("Only actions of this account's plan.")})
    if activity.next_step_due and not activity.next_step:
        raise ValidationError({"next_step": _("Describe the next step for its due date.")})


def _save(activity: Activity, participants, stakeholders) -> Activity:
    activity.full_clean()
    if stakeholders is not None:
        _validate_links(activity, stakeholders)
    else:
        _validate_links(activity, activity.stakeholders.all() if activity.pk else [])
    activity.save()
    if participants is not None:
        activity.participants.set(participants)
    if stakeholders is not None:
        activity.stakeholders.set(stakeholders)
    return activity


@transaction.atomic
def activity_create(
    *,
    account: Account,
    owner: User,
    data: dict[str, Any],
    participants: Iterable[User] | None = None,
    stakeholders: Iterable[Stakeholder] | None = None,
) -> Activity:
    fields = {name: data[name] for name in ACTIVITY_FIELDS if name in data}
    activity = Activity(account=account, owner=owner, **fields)
    saved = _save(
        activity,
        list(participants) if participants is not None else None,
        list(stakeholders) if stakeholders is not None else None,
    )
    cost_drivers_changed(account_id=account.pk, days=[_day(saved)])
    _mentions_notify(saved, author=owner)
    return saved


def _mentions_notify(activity: Activity, *, author: User) -> None:
    """Who is @mentioned in the subject, outcome or next step hears of it (if they may see
    the account)."""
    from kam.accounts.selectors import accounts_visible_to

    def may_see(user: User) -> bool:
        return accounts_visible_to(user).filter(pk=activity.account_id).exists()

    mentions_notify(
        author=author,
        text="\n".join([activity.subject, activity.outcome, activity.next_step]),
        about=f"{activity.account.name}: {activity.subject}",
        url=reverse("activities:detail", kwargs={"pk": activity.pk}),
        key=f"activity:{activity.pk}",
        may_see=may_see,
    )


def _day(activity: Activity):
    return timezone.localdate(activity.starts_at) if activity.starts_at else None


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    data: dict[str, Any],
    participants: Iterable[User] | None = None,
    stakeholders: Iterable[Stakeholder] | None = None,
    editor: User | None = None,
) -> Activity:
    """`editor` (default: the activity's owner) is who a mention in the text comes from."""
    before = _day(activity)
    for name in ACTIVITY_FIELDS:
        if name in data:
            setattr(activity, name, data[name])
    if "next_step_due" in data:
        activity.next_step_reminded_at = None  # a new due date deserves a new reminder
    saved = _save(
        activity,
        list(participants) if participants is not None else None,
        list(stakeholders) if stakeholders is not None else None,
    )
    cost_drivers_changed(account_id=activity.account_id, days=[before, _day(saved)])
    _mentions_notify(saved, author=editor or saved.owner)
    return saved


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    account_id, day = activity.account_id, _day(activity)
    activity.delete()
    cost_drivers_changed(account_id=account_id, days=[day])


@transaction.atomic
def next_step_complete(*, activity: Activity) -> Activity:
    activity.next_step_done = True
    activity.save(update_fields=["next_step_done", "updated_at"])
    return activity


@transaction.atomic
def cadence_rule_save(*, rule: CadenceRule) -> CadenceRule:
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def account_cadence_set(
    *,
    account: Account,
    visit_every_days: int | None,
    contact_every_days: int | None,
    reason: str = "",
) -> AccountCadence:
    override = AccountCadence.objects.filter(account=account).first() or AccountCadence(
        account=account
    )
    override.visit_every_days = visit_every_days
    override.contact_every_days = contact_every_days
    override.reason = reason
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def account_cadence_clear(*, account: Account) -> None:
    for override in AccountCadence.objects.filter(account=account):
        override.delete()


@transaction.atomic
def relationship_owner_set(*, stakeholder: Stakeholder, owner: User | None):
    relationship = StakeholderRelationship.objects.filter(
        stakeholder=stakeholder
    ).first() or StakeholderRelationship(stakeholder=stakeholder)
    relationship.owner = owner
    relationship.full_clean()
    relationship.save()
    return relationship


@transaction.atomic
def calendar_feed_renew(*, user: User) -> str:
    """A new secret feed token; the old URL stops working at once. Only the hash is kept."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": token_hash(token)})
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
