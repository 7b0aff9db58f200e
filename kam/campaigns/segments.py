"""Segments: saved filters over accounts and their stakeholders, always resolved for one user
through accounts_visible_to(user), so a segment never reaches an account its user cannot see."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Attitude, BuyingRole, KeyAccountStatus, Stakeholder
from kam.accounts.selectors import account_group_ids, accounts_visible_to
from kam.analysis.models import AbcClass
from kam.analysis.selectors import latest_results_for
from kam.campaigns.gate import Decision, gate_many
from kam.campaigns.models import Segment
from kam.core import permissions
from kam.core.models import BulkEvent
from kam.core.services import bulk_event_record
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


#: Filters the segment form does not show: kept when the segment is edited.
KEPT_FILTERS = ("accounts", "attended_event")

#: Accounts a segment may hold by hand (added from the account list), beyond its filters.
ACCOUNTS_MAX = 5_000


def clean_filters(raw: dict) -> dict:
    """Only known filters with plausible values: a segment's JSON is never trusted blindly.

    `accounts` are account ids added by hand: with other filters the segment reaches the
    accounts they select and these; alone, these only."""
    filters: dict = {}
    added = {int(value) for value in raw.get("accounts") or [] if str(value).isdigit()}
    if added:
        filters["accounts"] = sorted(added)[:ACCOUNTS_MAX]
    for name, allowed in LIST_FILTERS.items():
        values = [str(value).strip()[:100] for value in raw.get(name) or [] if str(value).strip()]
        if allowed is not None:
            values = [value for value in values if value in allowed]
        if values:
            filters[name] = sorted(set(values))
    for name in ("group", "attended_event"):
        value = raw.get(name)
        if isinstance(value, int) and value > 0:
            filters[name] = value
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
    if not filters.get("accounts"):
        return accounts
    by_hand = accounts_visible_to(user).filter(pk__in=filters["accounts"])
    if not _has_filters(filters):
        return by_hand
    return accounts_visible_to(user).filter(Q(pk__in=accounts.values("pk")) | Q(pk__in=by_hand))


def _has_filters(filters: dict) -> bool:
    """Whether the segment selects by filters (without any, it reaches every visible account,
    or only those added by hand)."""
    return bool(set(filters) - {"accounts"})


def segment_stakeholders(*, segment: Segment, user: User) -> QuerySet[Stakeholder]:
    filters = clean_filters(segment.filters)
    people = Stakeholder.objects.filter(account__in=_accounts(filters, user))
    if filters.get("buying_role"):
        people = people.filter(buying_role__in=filters["buying_role"])
    if filters.get("attitude"):
        people = people.filter(attitude__in=filters["attitude"])
    if filters.get("attended_event"):
        people = people.filter(
            invitations__event_id=filters["attended_event"], invitations__attended=True
        )
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
    return permissions.can_change_segment(user, segment)


def segment_save(*, segment: Segment | None, name: str, filters: dict, user: User) -> Segment:
    """The form's filters; accounts added by hand and an event's attendees stay (the form does
    not show them)."""
    if segment is not None:
        kept = {key: segment.filters[key] for key in KEPT_FILTERS if key in segment.filters}
        filters = kept | filters
    segment = segment or Segment(created_by=user)
    segment.name = name.strip()[:150]
    segment.filters = clean_filters(filters)
    segment.full_clean()
    segment.save()
    return segment


def _segment_to_fill(*, segment: Segment | None, name: str, user: User) -> Segment:
    if segment is None:
        if not permissions.can_send_mailings(user):
            raise PermissionDenied
        if not name.strip():
            raise ValidationError({"segment": _("Choose a segment or name a new one.")})
        return Segment(created_by=user, name=name.strip()[:150], filters={})
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if not permissions.can_change_segment(user, segment):
        raise PermissionDenied
    if not clean_filters(segment.filters):
        raise ValidationError(
            {
                "segment": _("“%(name)s” has no filters: it reaches every account already.")
                % {"name": segment.name}
            }
        )
    return segment


@transaction.atomic
def segment_add_accounts(
    *, segment: Segment | None, user: User, ids: list[int], name: str = ""
) -> BulkEvent:
    """Adds the accounts of `ids` that the user may see to the segment (or to a new segment
    called `name` that holds just them), with one audit event naming the accounts added."""
    segment = _segment_to_fill(segment=segment, name=name, user=user)
    before = set(segment.filters.get("accounts") or [])
    visible = accounts_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    added = sorted(set(visible) - before)
    if len(before) + len(added) > ACCOUNTS_MAX:
        raise ValidationError(
            {
                "segment": _("A segment holds at most %(n)s accounts added by hand.")
                % {"n": ACCOUNTS_MAX}
            }
        )
    segment.filters = clean_filters({**segment.filters, "accounts": sorted(before | set(added))})
    segment.full_clean()
    segment.save()
    return bulk_event_record(
        action="segments.add_accounts",
        summary=_("%(n)s accounts added to the segment “%(name)s”")
        % {"n": len(added), "name": segment.name},
        row_count=len(added),
        user=user,
        account_ids=added,
    )
