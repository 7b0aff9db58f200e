"""Reads of activities: always reached through the accounts the user may see."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.activities.models import Activity, ActivityStatus, CalendarFeed, PlanAction
from kam.core.http import id_param
from kam.core.permissions import can_edit_account, can_see_every_agenda
from kam.users.models import User


def activities_visible_to(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(account__in=accounts_visible_to(user))


def activity_get(*, user: User, pk: int) -> Activity:
    return get_object_or_404(
        activities_visible_to(user).select_related("account", "owner", "plan_action"), pk=pk
    )


def activity_get_editable(*, user: User, pk: int) -> Activity:
    """404 for an activity the user cannot see, 403 for one on a read-only account."""
    activity = activity_get(user=user, pk=pk)
    if not can_edit_account(user, activity.account):
        raise PermissionDenied
    return activity


@dataclass(frozen=True)
class ActivityFilter:
    q: str = ""
    kind: str = ""
    status: str = ""
    owner: str = ""
    sort: str = "-date"


SORTS = {
    "-date": ("-starts_at", "-id"),
    "date": ("starts_at", "id"),
    "account": ("account__name", "-starts_at"),
    "-account": ("-account__name", "-starts_at"),
    "kind": ("kind", "-starts_at"),
    "-kind": ("-kind", "-starts_at"),
}


def activity_list(*, user: User, filters: ActivityFilter) -> QuerySet[Activity]:
    activities = activities_visible_to(user).select_related("account", "owner")
    if filters.q:
        activities = activities.filter(
            Q(subject__icontains=filters.q)
            | Q(account__name__icontains=filters.q)
            | Q(account__customer_number__istartswith=filters.q)
        )
    for field in ("kind", "status"):
        if value := getattr(filters, field):
            activities = activities.filter(**{field: value})
    if (owner := id_param(filters.owner)) is not None:
        activities = activities.filter(owner_id=owner)
    return activities.order_by(*SORTS.get(filters.sort, SORTS["-date"]))


def account_activities(account: Account, *, limit: int = 10) -> list[Activity]:
    return list(account.activities.select_related("owner").order_by("-starts_at", "-id")[:limit])


def people_in_reach(user: User) -> QuerySet[User]:
    """Whose agenda a user may look at: their own and their reports' (leadership: everyone's)."""
    users = User.objects.filter(is_active=True).order_by("last_name", "first_name")
    if can_see_every_agenda(user):
        return users
    ids, frontier = {user.pk}, [user.pk]
    while frontier and len(ids) < 10_000:
        frontier = list(
            User.objects.filter(manager_id__in=frontier)
            .exclude(id__in=ids)
            .values_list("id", flat=True)
        )
        ids.update(frontier)
    return users.filter(id__in=ids)


def week_bounds(week_start: date, days: int = 7) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(week_start, time.min, tzinfo=tz)
    return start, datetime.combine(week_start + timedelta(days=days), time.min, tzinfo=tz)


def agenda(
    *, user: User, people: list[int], week_start: date, days: int = 7
) -> dict[date, list[Activity]]:
    """The activities of some people from ``week_start`` on (a week, or ``days`` days), by day,
    on accounts the user sees."""
    start, end = week_bounds(week_start, days)
    ids = (
        activities_visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .filter(Q(owner_id__in=people) | Q(participants__in=people))
        .values("id")
    )
    by_day: dict[date, list[Activity]] = {week_start + timedelta(days=n): [] for n in range(days)}
    for activity in (
        Activity.objects.filter(id__in=ids).select_related("account", "owner").order_by("starts_at")
    ):
        by_day[timezone.localdate(activity.starts_at)].append(activity)
    return by_day


def due_next_steps(*, user: User, people: list[int], until: date) -> QuerySet[Activity]:
    return (
        activities_visible_to(user)
        .filter(owner_id__in=people, next_step_due__lte=until, next_step_done=False)
        .exclude(next_step="")
        .select_related("account", "owner")
        .order_by("next_step_due", "id")
    )


def plan_actions_for_account(account: Account) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(plan__account=account, plan__status="current").order_by(
        "due_date", "id"
    )


# --- calendar feed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_user(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def feed_activities(user: User, *, now: datetime) -> QuerySet[Activity]:
    """Planned activities of the user from a month back on: what the calendar should show."""
    ids = (
        activities_visible_to(user)
        .filter(status=ActivityStatus.PLANNED, starts_at__gte=now - timedelta(days=30))
        .filter(Q(owner=user) | Q(participants=user))
        .values("id")
    )
    return Activity.objects.filter(id__in=ids).select_related("account").order_by("starts_at")
