from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.selectors import accounts_visible_to
from kam.core.permissions import can_manage_referrals, can_view_margins
from kam.core.plugins import Panel
from kam.referrals import selectors


def account_panels(request, account) -> list[Panel]:
    """Referrals given and received, the multiplier value and the reference profile as a tab."""
    referrals = selectors.account_referrals(account, as_of=timezone.localdate())
    others = {r.referred_account_id for r in referrals.given} | {
        r.referring_account_id for r in referrals.received
    }
    visible = {account.pk}
    if others:
        visible |= set(
            accounts_visible_to(request.user).filter(id__in=others).values_list("id", flat=True)
        )
    profile = selectors.reference_profile(account)
    context = {
        "given": [
            (r, selectors.party_name(r.referred_account, visible), r.referred_account_id in visible)
            for r in referrals.given
        ],
        "received": [
            (
                r,
                selectors.party_name(r.referring_account, visible),
                r.referring_account_id in visible,
            )
            for r in referrals.received
        ],
        "value": referrals.value,
        "show_margins": can_view_margins(request.user),
        "can_manage": can_manage_referrals(request.user, account),
        "profile": profile,
        "requests": selectors.account_reference_requests(account)[:20] if profile else [],
    }
    count = len(referrals.given) + len(referrals.received)
    return [
        Panel(
            "referrals",
            _("Referrals and references"),
            "referrals/_account_panel.html",
            context,
            str(count) if count else "",
        )
    ]
