"""The account timeline's referral entries (the contract is in kam.core.plugins)."""

from datetime import datetime, time

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.plugins import TimelineEntry
from kam.referrals.models import Referral


def timeline_entries(account, user) -> list[TimelineEntry]:
    referrals = Referral.objects.filter(
        Q(referring_account=account) | Q(referred_account=account)
    ).select_related("referring_account", "referred_account")[:100]
    return [_entry(referral, account) for referral in referrals]


def _entry(referral: Referral, account) -> TimelineEntry:
    gave = referral.referring_account_id == account.pk
    title = _("Referral given") if gave else _("Referred to us")
    return TimelineEntry(
        when=timezone.make_aware(datetime.combine(referral.received_on, time(12))),
        kind="referral",
        title=str(title),
        detail=referral.get_status_display(),
        url=reverse("referrals:detail", kwargs={"pk": referral.pk}),
        icon="bi-people",
    )
