"""Segments: saved filters over accounts and their stakeholders, always resolved for one user
through accounts_visible_to(user), so a segment never reaches an account its user cannot see."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kam.accounts.models import Account, Attitude, BuyingRole, KeyAccountStatus, Stakeholder
from kam.accounts.selectors import account_group_ids, accounts_visible_to
from kam.analysis.models import AbcClass
from kam.analysis.selectors import latest_results_for
from kam.campaigns.gate import Decision, gate_many
from kam.campaigns.models import Segment
from kam.core import permissions
from kam.users.models import User

#: The filters a segment may hold, and the values each accepts (None: free values).
LIST_FILTERS = {
    "status": set(KeyAccountStatus.values),
    "abc": set(AbcClass.values),
    "tier": None,
    "industry": None,
    "owner": None,
    "buying_role": set(BuyingRole.values),
    "attitude": set(Attitude.values),
    "region": None,
    "country": None,
}


def clean_filters(raw: dict) -> dict:
    """Only known filters with plausible values: a segment's JSON is never trusted blindly."""
    filters: dict = {}
    for name, allowed in LIST_FILTERS.items():
        values = [str(value).strip()[:100] for value in raw.get(name) or [] if str(value).strip()]
        if allowed is not None:
            values = [value for value in values if value in allowed]
        if values:
            filters[name] = sorted(set(values))
    group = raw.get("group")
    if isinstance(group, int) and group > 0:
        filters["group"] = group
    return filters


def _accounts(filters: dict, user: User) -> QuerySet[Account]:
    accounts = accounts_visible_to(user)
    for name, field in (("status", "status"), ("tier", "tier"), ("industry", "industry")):
        if filters.get(name):
            accounts = accounts.filter(**{f"{field}__in": filters[name]})
    if filters.get("country"):
        accounts = accounts.filter(country__in=filters["country"])
    if owners := [int(o) for o in filters.get("owner", []) if str(o).isdigit()]:
        accounts = accounts.filter(owner_id__in=owners)
    if prefixes := filters.get("region"):
        region = Q()
        for prefix in prefixes:
            region |= Q(postal_code__startswith=prefix)
        accounts = accounts.filter(region)
    if filters.get("group"):
        accounts = accounts.filter(pk__in=account_group_ids(filters["group"]))
    if filters.get("abc"):
        results = latest_results_for(accounts).filter(abc_revenue__in=filters["abc"])
        accounts = accounts.filter(pk__in=results.values("account_id"))
    return accounts


def segment_stakeholders(*, segment: Segment, user: User) -> QuerySet[Stakeholder]:
    filters = clean_filters(segment.filters)
    people = Stakeholder.objects.filter(account__in=_accounts(filters, user))
    if filters.get("buying_role"):
        people = people.filter(buying_role__in=filters["buying_role"])
    if filters.get("attitude"):
        people = people.filter(attitude__in=filters["attitude"])
    return people.select_related("account", "account__owner").order_by(
        "account__name", "last_name", "first_name", "id"
    )


@dataclass
class Preview:
    """Who a mailing to the segment would reach, and who the gate excludes and why."""

    recipients: list[tuple[Stakeholder, Decision]]

    @property
    def allowed(self) -> list[Stakeholder]:
        return [person for person, decision in self.recipients if decision.allowed]

    @property
    def excluded(self) -> list[tuple[Stakeholder, Decision]]:
        return [(person, decision) for person, decision in self.recipients if not decision.allowed]

    @property
    def reasons(self) -> list[tuple[str, int]]:
        counts = Counter(decision.reason_label for _person, decision in self.excluded)
        return sorted(counts.items(), key=lambda item: -item[1])


def segment_preview(*, segment: Segment, user: User, purpose: str) -> Preview:
    people = list(segment_stakeholders(segment=segment, user=user))
    decisions = gate_many(stakeholders=people, purpose=purpose)
    return Preview([(person, decisions[person.pk]) for person in people])


def segments_for(user: User) -> QuerySet[Segment]:
    """Segments are shared by everyone who sends mailings; each resolves them for themselves."""
    return Segment.objects.select_related("created_by").order_by("name", "id")


def may_change(segment: Segment, user: User) -> bool:
    """A shared segment is changed by the one who made it (or leadership): others' mailings to
    it must not change their recipients behind their back."""
    return segment.created_by_id == user.pk or permissions.can_approve_mailings(user)


def segment_save(*, segment: Segment | None, name: str, filters: dict, user: User) -> Segment:
    segment = segment or Segment(created_by=user)
    segment.name = name.strip()[:150]
    segment.filters = clean_filters(filters)
    segment.full_clean()
    segment.save()
    return segment
