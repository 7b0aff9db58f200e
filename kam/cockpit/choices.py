"""The choices the cockpit's filter form offers, from what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from kam.accounts.models import KeyAccountStatus
from kam.accounts.selectors import accounts_visible_to
from kam.cockpit.filters import period_choices
from kam.cockpit.selectors import Scope
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
    """Users who own an account the viewer sees (an EXISTS per user: users are few)."""
    visible = accounts_visible_to(scope.user)
    owning = visible.filter(owner=OuterRef("pk"))
    return list(
        User.objects.filter(Exists(owning))
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
    owners = _owners(scope)
    managers = set(
        User.objects.filter(manager__in=[owner.pk for owner in owners] + [scope.user.pk])
        .values_list("manager_id", flat=True)
        .distinct()
    )
    teams = [owner for owner in owners if owner.pk in managers]
    if scope.user.pk in managers and scope.user not in teams:
        teams.insert(0, scope.user)
    return FilterChoices(
        periods=period_choices(scope.run.as_of if scope.run else None),
        owners=owners,
        teams=teams,
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
