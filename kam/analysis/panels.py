"""The "Analysis" tab on the account page: latest result, proposals, ratings, history."""

from django.utils.translation import gettext as _

from kam.analysis import selectors
from kam.analysis.models import AccountRating
from kam.core.permissions import can_edit_account, can_view_margins
from kam.core.plugins import Panel


def _rating_values(rating: AccountRating | None) -> list[tuple[str, int | None]]:
    if rating is None:
        return []
    return [
        (
            str(getattr(AccountRating._meta.get_field(name), "verbose_name", name)),
            getattr(rating, name),
        )
        for name in AccountRating.RATED_FIELDS
    ]


def account_panels(request, account) -> list[Panel]:
    """The account page already checked that the user may see `account`."""
    history = selectors.account_result_history(account)
    # Every run includes every account that ever bought, so the newest result is the one of
    # the latest run: one query for the figures and their history.
    result = selectors.with_area_reasons(history[:1])[0] if history else None
    proposals = selectors.account_open_proposals(account)
    rating = selectors.account_rating_get(account)
    context = {
        "result": result,
        "result_history": history,
        "proposals": proposals,
        "rating": rating,
        "rating_values": _rating_values(rating),
        "can_edit": can_edit_account(request.user, account),
        "show_margins": can_view_margins(request.user),
    }
    badge = result.abc_revenue + result.xyz if result else ""
    return [
        Panel(
            id="analysis",
            title=_("Analysis"),
            template="analysis/_account_panel.html",
            context=context,
            badge=badge + ("!" if proposals else ""),
        )
    ]
