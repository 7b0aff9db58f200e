from django.utils import timezone
from django.utils.translation import gettext as _

from kam.conditions import bonus, selectors
from kam.conditions.models import AgreementStatus, PriceDeviation
from kam.conditions.resolution import account_chain_ids
from kam.core import permissions
from kam.core.plugins import Panel


def account_panels(request, account) -> list[Panel]:
    """The tab "Konditionen": agreements (own and the group's), bonus progress, offers and
    findings; none for whoever may not see conditions (customer service)."""
    if not permissions.can_view_conditions(request.user):
        return []
    ancestors = account_chain_ids(account.pk)[1:]
    offers = selectors.account_offers(account)
    context = {
        "agreements": selectors.account_agreements(account),
        "inherited": selectors.agreements_visible_to(request.user)
        .filter(
            account_id__in=ancestors,
            applies_to_members=True,
            status=AgreementStatus.ACTIVE,
        )
        .select_related("account")
        if ancestors
        else [],
        "offers": offers,
        "bonus": bonus.bonus_for_account(account, today=timezone.localdate()),
        "can_edit": permissions.can_edit_account_conditions(request.user, account),
        "deviations": PriceDeviation.objects.filter(
            account=account, overcharged_lines__gt=0
        ).count(),
    }
    blocked = len([offer for offer in offers if offer.blocking])  # type: ignore[attr-defined]
    return [
        Panel(
            "conditions",
            _("Conditions"),
            "conditions/_account_panel.html",
            context,
            str(blocked) if blocked else "",
        )
    ]
