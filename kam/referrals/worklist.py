"""Referrals waiting for follow-up in the worklist (the contract is in kam.core.plugins): the
open referrals a user follows up whose status has not moved for `KAM_REFERRAL_FOLLOW_UP_DAYS`."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.plugins import WORKLIST_LIMIT, WorkItem
from kam.referrals.selectors import follow_up_days, referrals_waiting


def worklist_items(user) -> list[WorkItem]:
    waiting = referrals_waiting(user).filter(owner=user).order_by("status_changed_at")
    return [_item(referral) for referral in waiting[:WORKLIST_LIMIT]]


def _item(referral) -> WorkItem:
    due = timezone.localdate(referral.status_changed_at) + timedelta(days=follow_up_days())
    return WorkItem(
        kind="referral",
        title=_("Follow up the referral of %(name)s (%(status)s)")
        % {"name": referral.referred_account.name, "status": referral.get_status_display()},
        url=reverse("referrals:detail", kwargs={"pk": referral.pk}),
        due=due,
        severity="warning",
        account_name=referral.referred_account.name,
    )
