"""The choices the cockpit's filter form offers, from what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from kam.accounts.models import KeyAccountStatus
from kam.accounts.selectors import accounts_visible_to
from kam.cockpit.filters import period_choices
from kam.cockpit.selectors import Scope
from kam.core import permissions
from kam.users.models import User


@dataclass
class FilterChoices:
    periods: list[tuple[str, str]]
    owners: list[User]
    teams: list[User]
    regions: list[tuple[str, str]]
    industries: list[str]
    statuses: list[tuple[str, str]]


def _owners(scope: Scope) -> list[User]:
    """Users who own an account the viewer sees (the visible accounts read once, not once per
    user: for a key account manager that is a recursive query)."""
    owning = accounts_visible_to(scope.user).order_by().values("owner_id")
    return list(
        User.objects.filter(pk__in=owning)
        .only("id", "first_name", "last_name", "username", "manager_id")
        .order_by("last_name", "first_name", "id")
    )


def _regions(scope: Scope) -> list[tuple[str, str]]:
    """The German postal regions 0–9 and every other country of a visible account."""
    regions = [
        (f"DE-{digit}", _("Postal region %(digit)s (DE)") % {"digit": digit}) for digit in range(10)
    ]
    others = (
        accounts_visible_to(scope.user)
        .exclude(country="DE")
        .values_list("country", flat=True)
        .distinct()
        .order_by("country")
    )
    return regions + [(country, country) for country in others]


def filter_choices(scope: Scope) -> FilterChoices:
    """The choices, kept in the cache per run and kind of viewer (as the sections are): they
    change with the accounts a viewer sees, not with the filters chosen."""
    key = f"cockpit-choices:{scope.cache_key.rsplit('.', 1)[0]}:{translation.get_language()}"
    choices = cache.get(key)
    if choices is None:
        choices = _choices(scope)
        cache.set(key, choices, settings.KAM_COCKPIT_CACHE_SECONDS)
    return choices


def _teams(scope: Scope, owners: list[User]) -> list[User]:
    """Whose team one can choose: every manager for who sees every account, otherwise the
    viewer and the owners they see who have reports."""
    has_reports = Exists(User.objects.filter(manager=OuterRef("pk")))
    if permissions.can_see_all_accounts(scope.user):
        return list(User.objects.filter(has_reports).order_by("last_name", "first_name", "id"))
    candidates = [scope.user, *(owner for owner in owners if owner.pk != scope.user.pk)]
    managers = set(
        User.objects.filter(pk__in=[user.pk for user in candidates])
        .filter(has_reports)
        .values_list("pk", flat=True)
    )
    return [user for user in candidates if user.pk in managers]


def _choices(scope: Scope) -> FilterChoices:
    owners = _owners(scope)
    return FilterChoices(
        periods=period_choices(scope.run.as_of if scope.run else None),
        owners=owners,
        teams=_teams(scope, owners),
        regions=_regions(scope),
        industries=list(
            accounts_visible_to(scope.user)
            .exclude(industry="")
            .values_list("industry", flat=True)
            .distinct()
            .order_by("industry")
        ),
        statuses=[(value, str(label)) for value, label in KeyAccountStatus.choices],
    )
