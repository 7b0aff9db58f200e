"""Writes of the account list: saved views and bulk actions (atomic; one audit event each).

A bulk action changes only the selected accounts the user may edit (`accounts_editable_by`,
re-read and locked inside the transaction), writes each account's history with the reason, and
records one `BulkEvent` that names the action, the reason and every account changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.accounts.models import Account, KeyAccountStatus
from kam.accounts.selectors import accounts_editable_by
from kam.core.models import BulkEvent
from kam.core.services import bulk_event_record
from kam.lists.models import SavedView
from kam.users.models import User

#: simple_history keeps at most this many characters of a change reason.
HISTORY_REASON_LENGTH = 100


@transaction.atomic
def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Creates the user's view of that name, or replaces its filters, columns and sort."""
    view = SavedView.objects.select_for_update().filter(user=user, name=name).first()
    view = view or SavedView(user=user, name=name)
    view.query = query
    view.full_clean(validate_constraints=False)
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView) -> None:
    view.delete()


def _locked(user: User, ids: list[int]) -> list[Account]:
    return list(accounts_editable_by(user).filter(id__in=ids).select_for_update().order_by("id"))


def _save(account: Account, fields: list[str], reason: str) -> None:
    # Only the owner or the status changes, each checked above: an account imported with an
    # old, implausible address must not block the action.
    account._change_reason = reason[:HISTORY_REASON_LENGTH]  # type: ignore[attr-defined]
    account.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def accounts_assign_owner(*, user: User, ids: list[int], owner: User) -> BulkEvent:
    if not owner.is_active:
        raise ValidationError({"owner": _("Only active users can own accounts.")})
    changed = []
    reason = _("Owner assigned to %(owner)s (bulk action)") % {"owner": owner}
    for account in _locked(user, ids):
        if account.owner_id != owner.pk:
            account.owner = owner
            _save(account, ["owner"], reason)
            changed.append(account.pk)
    return bulk_event_record(
        action="accounts.assign_owner",
        summary=reason,
        row_count=len(changed),
        user=user,
        account_ids=changed,
    )


@transaction.atomic
def accounts_set_status(*, user: User, ids: list[int], status: str, reason: str) -> BulkEvent:
    if status not in KeyAccountStatus.values:
        raise ValidationError({"status": _("Choose a key account status.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the new status.")})
    label = KeyAccountStatus(status).label
    changed = []
    for account in _locked(user, ids):
        if account.status != status:
            account.status = status
            _save(account, ["status"], reason.strip())
            changed.append(account.pk)
    return bulk_event_record(
        action="accounts.set_status",
        summary=_("Key account status set to %(status)s: %(reason)s")
        % {"status": label, "reason": reason.strip()},
        row_count=len(changed),
        user=user,
        account_ids=changed,
    )
