"""Contact coverage: which accounts are overdue for a visit or contact, which relationships are
going stale, and which decision makers nobody on our side owns."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from kam.accounts.models import Account, BuyingRole, KeyAccountStatus, Stakeholder
from kam.accounts.selectors import accounts_visible_to
from kam.activities.cadence import (
    ABC_CLASSES,
    DEFAULT_CADENCES,
    Cadence,
    CoverageState,
    coverage_percent,
    coverage_state,
)
from kam.activities.models import (
    CONTACT_KINDS,
    AccountCadence,
    Activity,
    ActivityKind,
    ActivityStatus,
    CadenceRule,
)
from kam.core.http import id_param
from kam.users.models import User

#: A stakeholder nobody has had contact with for this long counts as a stale relationship.
STALE_AFTER_DAYS = 180


def company_cadences() -> dict[str, Cadence]:
    rules = {
        rule.account_status: Cadence(rule.visit_every_days, rule.contact_every_days)
        for rule in CadenceRule.objects.all()
    }
    return {**DEFAULT_CADENCES, **rules}


def accounts_under_rules(
    accounts: QuerySet[Account], rules: dict[str, Cadence] | None = None
) -> QuerySet[Account]:
    rules = company_cadences() if rules is None else rules
    ruled = [key for key, cadence in rules.items() if not cadence.is_empty]
    under = Q(status__in=ruled) | Q(cadence_override__isnull=False)
    ruled_abc = [ABC_CLASSES[key] for key in ruled if key in ABC_CLASSES]
    if ruled_abc and (run := _latest_run_id()) is not None:
        under |= Q(analysis_results__run=run, analysis_results__abc_revenue__in=ruled_abc)
    return accounts.filter(under).distinct()


def _latest_run_id() -> int | None:
    if not apps.is_installed("kam.analysis"):
        return None
    from kam.analysis.selectors import latest_run_id

    return latest_run_id()


def abc_classes(account_ids: list[int]) -> dict[int, str]:
    """Each account's ABC class of revenue in the latest analysis run (none without a run)."""
    run = _latest_run_id()
    if run is None:
        return {}
    from kam.analysis.models import AccountResult

    results = AccountResult.objects.filter(run_id=run, account_id__in=account_ids)
    return dict(results.values_list("account_id", "abc_revenue"))


def effective_cadences(accounts: list[Account], rules: dict[str, Cadence]) -> dict[int, Cadence]:
    """Each account's cadence: its own override, else the stricter of status and ABC rule."""
    ids = [a.pk for a in accounts]
    overrides = {
        override.account_id: Cadence(override.visit_every_days, override.contact_every_days)
        for override in AccountCadence.objects.filter(account__in=ids)
    }
    classes = abc_classes(ids)
    return {
        a.pk: overrides.get(a.pk)
        or rules.get(a.status, Cadence()).stricter(
            rules.get(f"abc_{classes.get(a.pk, '')}", Cadence())
        )
        for a in accounts
    }


def _local(value) -> date | None:
    return timezone.localdate(value) if value is not None else None


def last_contacts(account_ids: Iterable[int]) -> dict[int, tuple[date | None, date | None]]:
    """Per account the day of the last done visit and of the last done contact of any kind."""
    rows = (
        Activity.objects.filter(account_id__in=list(account_ids), status=ActivityStatus.DONE)
        .values("account_id")
        .annotate(
            last_visit=Max("starts_at", filter=Q(kind=ActivityKind.VISIT)),
            last_contact=Max("starts_at", filter=Q(kind__in=CONTACT_KINDS)),
        )
    )
    return {
        row["account_id"]: (_local(row["last_visit"]), _local(row["last_contact"])) for row in rows
    }


@dataclass
class AccountCoverage:
    account: Account
    state: CoverageState
    last_visit: date | None
    last_contact: date | None

    @property
    def overdue_since(self) -> date | None:
        days = [s.overdue_since for s in (self.state.visit, self.state.contact) if s and s.overdue]
        return min(days) if days else None  # type: ignore[type-var]


def coverage_for(
    accounts: Iterable[Account],
    *,
    today: date | None = None,
    rules: dict[str, Cadence] | None = None,
) -> list[AccountCoverage]:
    """The coverage state of each account (three queries, however many accounts)."""
    accounts = list(accounts)
    today = today or timezone.localdate()
    cadences = effective_cadences(accounts, company_cadences() if rules is None else rules)
    last = last_contacts(a.pk for a in accounts)
    result = []
    for account in accounts:
        last_visit, last_contact = last.get(account.pk, (None, None))
        state = coverage_state(
            cadence=cadences[account.pk],
            last_visit=last_visit,
            last_contact=last_contact,
            baseline=timezone.localdate(account.created_at),
            today=today,
        )
        result.append(AccountCoverage(account, state, last_visit, state_last_contact(state)))
    return result


def state_last_contact(state: CoverageState) -> date | None:
    return state.contact.last_done if state.contact else None


def overdue_accounts(
    *,
    user: User,
    owner: str = "",
    status: str = "",
    today: date | None = None,
    within: QuerySet[Account] | None = None,
    limit: int | None = None,
) -> list[AccountCoverage]:
    """The user's visible accounts overdue for a visit or contact, longest overdue first (the
    first `limit` of them); `within` narrows them to some of `accounts_visible_to(user)` (the
    cockpit's filters), so that only those are assessed.

    The accounts are assessed from the few columns that decide (a manager's 2,000 accounts read
    whole with their owners cost the cockpit 20 ms per request); the overdue ones shown are
    then read whole, with their owners, in one query."""
    rules = company_cadences()
    visible = accounts_visible_to(user) if within is None else within
    accounts = accounts_under_rules(visible, rules)
    if (owner_id := id_param(owner)) is not None:
        accounts = accounts.filter(owner_id=owner_id)
    if status:
        accounts = accounts.filter(status=status)
    assessed = accounts.only(*_ASSESSED)
    entries = coverage_for(assessed, today=today, rules=rules)
    overdue = [entry for entry in entries if entry.state.overdue]
    overdue.sort(key=lambda entry: (entry.overdue_since, entry.account.name))
    return _read_whole(overdue[:limit])


#: What assessing an account's coverage and sorting the overdue ones read of it.
_ASSESSED = ("id", "name", "status", "created_at")


def _read_whole(entries: list[AccountCoverage]) -> list[AccountCoverage]:
    """The entries with their accounts read whole, owner included."""
    whole = Account.objects.select_related("owner").in_bulk([e.account.pk for e in entries])
    for entry in entries:
        entry.account = whole.get(entry.account.pk, entry.account)
    return entries


@dataclass
class OwnerCoverage:
    owner: User
    accounts: int
    overdue: int
    percent: float | None  # share of the owner's ruled accounts that are not overdue


def _by_owner(accounts: QuerySet[Account], today: date | None) -> list[OwnerCoverage]:
    rules = company_cadences()
    ruled = accounts_under_rules(accounts, rules).select_related("owner")
    entries = coverage_for(ruled, today=today, rules=rules)
    grouped: dict[int, list[AccountCoverage]] = {}
    for entry in entries:
        if entry.account.owner_id is not None and entry.state.has_rules:
            grouped.setdefault(entry.account.owner_id, []).append(entry)
    result = [
        OwnerCoverage(
            owner=group[0].account.owner,  # type: ignore[arg-type]
            accounts=len(group),
            overdue=sum(entry.state.overdue for entry in group),
            percent=coverage_percent([entry.state for entry in group]),
        )
        for group in grouped.values()
    ]
    return sorted(result, key=lambda row: (row.owner.last_name, row.owner.pk))


def coverage_by_owner(
    *,
    viewer: User | None = None,
    today: date | None = None,
    accounts: QuerySet[Account] | None = None,
) -> list[OwnerCoverage]:
    """Contact coverage per key account manager (account owner), for the cockpit's KPI table.

    With a viewer, only the accounts that viewer may see count; `accounts` (already scoped to
    the viewer, e.g. the cockpit's filtered accounts) narrows them further.
    """
    if accounts is None:
        accounts = accounts_visible_to(viewer) if viewer is not None else Account.objects.all()
    return _by_owner(accounts, today)


def contact_coverage_for_users(
    users: Iterable[User], *, today: date | None = None
) -> dict[int, OwnerCoverage]:
    """Contact coverage of the accounts each of these users owns, by user id."""
    ids = [user.pk for user in users]
    rows = _by_owner(Account.objects.filter(owner_id__in=ids), today)
    return {row.owner.pk: row for row in rows}


def stale_stakeholders(
    *, user: User, today: date | None = None, account: Account | None = None
) -> QuerySet[Stakeholder]:
    """Stakeholders of key accounts nobody has had a done contact with for a long time."""
    today = today or timezone.localdate()
    accounts = accounts_visible_to(user).exclude(status=KeyAccountStatus.NONE)
    if account is not None:
        accounts = accounts_visible_to(user).filter(pk=account.pk)
    tz = timezone.get_current_timezone()
    limit = datetime.combine(today - timedelta(days=STALE_AFTER_DAYS), time.min, tzinfo=tz)
    return (
        Stakeholder.objects.filter(account__in=accounts)
        .annotate(
            last_contact=Max(
                "activities__starts_at",
                filter=Q(activities__status=ActivityStatus.DONE)
                & Q(activities__kind__in=CONTACT_KINDS),
            )
        )
        .filter(Q(last_contact__isnull=True) | Q(last_contact__lt=limit))
        .select_related("account", "relationship__owner")
        .order_by("last_contact", "account__name", "last_name")
    )


def uncovered_decision_makers(
    *, user: User, account: Account | None = None
) -> QuerySet[Stakeholder]:
    """Decision makers of key accounts without a relationship owner on our side."""
    accounts = accounts_visible_to(user).exclude(status=KeyAccountStatus.NONE)
    if account is not None:
        accounts = accounts_visible_to(user).filter(pk=account.pk)
    return (
        Stakeholder.objects.filter(account__in=accounts, buying_role=BuyingRole.DECISION_MAKER)
        .filter(Q(relationship__isnull=True) | Q(relationship__owner__isnull=True))
        .select_related("account")
        .order_by("account__name", "last_name")
    )


@dataclass
class StakeholderCoverage:
    stakeholder: Stakeholder
    last_contact: date | None
    owner: User | None
    stale: bool
    uncovered_decision_maker: bool


def stakeholder_coverage(account: Account, *, today: date | None = None):
    """Each stakeholder of the account with the last contact and the relationship owner."""
    today = today or timezone.localdate()
    stakeholders = (
        account.stakeholders.annotate(
            last_contact_at=Max(
                "activities__starts_at",
                filter=Q(activities__status=ActivityStatus.DONE)
                & Q(activities__kind__in=CONTACT_KINDS),
            )
        )
        .select_related("relationship__owner")
        .order_by("last_name", "first_name")
    )
    result = []
    for stakeholder in stakeholders:
        last = _local(stakeholder.last_contact_at)
        relationship = getattr(stakeholder, "relationship", None)
        owner = relationship.owner if relationship else None
        result.append(
            StakeholderCoverage(
                stakeholder=stakeholder,
                last_contact=last,
                owner=owner,
                stale=last is None or (today - last).days > STALE_AFTER_DAYS,
                uncovered_decision_maker=stakeholder.buying_role == BuyingRole.DECISION_MAKER
                and owner is None,
            )
        )
    return result
