"""Reads of accounts. Every read of account data starts at `accounts_visible_to(user)`."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from kam.accounts.models import Access, Account, Stakeholder, TeamMembership
from kam.core import permissions
from kam.core.http import id_param
from kam.search.collation import german
from kam.search.index import matching_ids
from kam.users.models import User

_SCOPE_SQL = """
WITH RECURSIVE
  chain(id) AS (
    SELECT id FROM {user} WHERE id = %s
    UNION SELECT u.id FROM {user} u JOIN chain ON u.manager_id = chain.id
  ),
  roots(id) AS (
    SELECT a.id FROM {account} a WHERE a.owner_id IN (SELECT id FROM chain)
    UNION SELECT t.account_id FROM {team} t
      WHERE t.user_id IN (SELECT id FROM chain) {team_filter}
  ),
  tree(id) AS (
    SELECT id FROM roots
    UNION SELECT a.id FROM {account} a JOIN tree ON a.parent_id = tree.id
  )
SELECT id FROM tree
"""


def _scope_sql(*, edit_only: bool) -> str:
    return _SCOPE_SQL.format(
        user=User._meta.db_table,
        account=Account._meta.db_table,
        team=TeamMembership._meta.db_table,
        team_filter=f"AND t.access = '{Access.EDIT}'" if edit_only else "",
    )


#: The scope of who sees nothing (deny by default), as SQL.
_NO_IDS: tuple[str, list] = (f"SELECT id FROM {Account._meta.db_table} WHERE 1 = 0", [])  # noqa: S608


def _scope_ids(user: User | AnonymousUser, *, edit_only: bool) -> tuple[str, list] | None:
    """The ids of the scope as SQL and its parameters; None for who needs no scope."""
    sees_all = permissions.can_edit_all_accounts if edit_only else permissions.can_see_all_accounts
    if sees_all(user):
        return None
    if permissions.works_on_own_accounts(user):
        read_once: dict | None = getattr(user, _READ_ONCE, None)
        if read_once is not None:
            if edit_only not in read_once:
                read_once[edit_only] = _ids_sql(_read_ids(user, edit_only=edit_only))
            return read_once[edit_only]
        return _scope_sql(edit_only=edit_only), [user.pk]
    return _NO_IDS


#: The attribute of a user inside `scope_read_once`: the scope's ids as SQL, per edit_only.
_READ_ONCE = "_kam_scope_read_once"


def _read_ids(user: User | AnonymousUser, *, edit_only: bool) -> list[int]:
    """The scope's ids. PostgreSQL estimates a recursive query's rows by rule of thumb (the
    manager chain at 500 users, half of all accounts as roots) and would hash every account
    twice to join them (70 ms for 100,000 accounts); it is kept to the indexes here (10 ms),
    in the same round trip (each costs milliseconds on a busy machine)."""
    sql = _scope_sql(edit_only=edit_only)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk])
            return [row[0] for row in cursor.fetchall()]
    # One string of statements runs as one transaction: if the query fails, the settings are
    # rolled back with it.
    with connection.cursor() as cursor:
        cursor.execute(f"{_NO_HASHING} {sql}; {_HASHING_AGAIN}", [user.pk])
        while cursor.description is None:  # past the settings' results to the query's
            cursor.nextset()
        return [row[0] for row in cursor.fetchall()]


_NO_HASHING = "SET enable_hashjoin = off; SET enable_mergejoin = off;"
_HASHING_AGAIN = "RESET enable_hashjoin; RESET enable_mergejoin"


def _ids_sql(ids: list[int]) -> tuple[str, list]:
    """A list of ids as one query with one parameter, however many (no limit of parameters)."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", [ids]
    return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


@contextmanager
def scope_read_once(user: User | AnonymousUser) -> Iterator[None]:
    """Inside, the user's scope (`accounts_visible_to`, `account_ids_visible_to`,
    `accounts_editable_by`) is read from the database once and then passed on as its ids.

    For a read-only page that asks it many times (the cockpit: fifteen times, each a recursive
    query of a few milliseconds); not around code that changes accounts, owners or teams, whose
    changes the ids read before would not show.
    """
    setattr(user, _READ_ONCE, {})
    try:
        yield
    finally:
        delattr(user, _READ_ONCE)


def _scoped(user: User | AnonymousUser, *, edit_only: bool) -> QuerySet[Account]:
    accounts = Account.objects.all()
    scope = _scope_ids(user, edit_only=edit_only)
    if scope is None:
        return accounts
    if scope is _NO_IDS:
        return accounts.none()
    return accounts.filter(id__in=RawSQL(*scope))  # noqa: S611


def accounts_visible_to(user: User | AnonymousUser) -> QuerySet[Account]:
    """The one gate: the accounts a user may see (deny by default).

    Key account managers and field reps see the accounts they own or are on the team of, those
    of every user who reports to them (directly or down the manager chain), and every account
    below those in the group hierarchy.
    """
    return _scoped(user, edit_only=False)


def account_ids_visible_to(user: User | AnonymousUser) -> tuple[str, list] | None:
    """The ids of `accounts_visible_to(user)` as one SQL query and its parameters, for a statement
    written in SQL (the search); None when the user sees every account (no scope needed).

    The same scope as the queryset's, without the queryset's detour through the accounts table
    (`SELECT id FROM account WHERE id IN (scope)`, which looks up each id again).
    """
    return _scope_ids(user, edit_only=False)


def accounts_editable_by(user: User | AnonymousUser) -> QuerySet[Account]:
    """The visible accounts a user may change: a team seat with read access does not count."""
    return _scoped(user, edit_only=True)


@dataclass(frozen=True)
class AccountFilter:
    q: str = ""
    status: str = ""
    tier: str = ""
    owner: str = ""
    industry: str = ""
    sort: str = "name"


SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "number": ("customer_number",),
    "-number": ("-customer_number",),
    "status": ("status", "name"),
    "-status": ("-status", "name"),
    "owner": ("owner__last_name", "name"),
    "-owner": ("-owner__last_name", "name"),
}


def account_list(*, user: User, filters: AccountFilter) -> QuerySet[Account]:
    accounts = accounts_visible_to(user).select_related("owner", "parent")
    if filters.q:
        accounts = accounts.filter(
            Q(customer_number__istartswith=filters.q)
            | Q(name__icontains=filters.q)
            | Q(pk__in=matching_ids("account", filters.q))
        )
    for field in ("status", "tier", "industry"):
        if value := getattr(filters, field):
            accounts = accounts.filter(**{field: value})
    if (owner := id_param(filters.owner)) is not None:
        accounts = accounts.filter(owner_id=owner)
    return accounts.order_by(*_in_german_order(SORTS.get(filters.sort, SORTS["name"])))


def _in_german_order(fields: tuple[str, ...]) -> list:
    """Names sort as Germans expect ("Böhm" before "Brandt"); other fields as they are."""
    return [
        german(field.lstrip("-"), descending=field.startswith("-"))
        if field.lstrip("-") in ("name", "owner__last_name")
        else field
        for field in fields
    ]


def account_get(*, user: User, pk: int) -> Account:
    """One visible account, or 404: another manager's account is not found, not empty."""
    return get_object_or_404(
        accounts_visible_to(user)
        .select_related("owner", "parent")
        .annotate(member_count=Count("members")),
        pk=pk,
    )


def account_get_editable(*, user: User, pk: int) -> Account:
    """404 for what the user cannot see at all, 403 for what they may only look at."""
    account = account_get(user=user, pk=pk)
    if not permissions.can_edit_account(user, account):
        raise PermissionDenied
    return account


def account_ancestors(account: Account) -> list[Account]:
    """The chain of parents up to the group's top, top first."""
    chain: list[Account] = []
    current = account.parent
    while current is not None and len(chain) < 100:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def account_group_ids(account_id: int) -> list[int]:
    """The account and every account below it in the group hierarchy (the one group-tree query:
    figures, the cycle check and the analysis's loss scenario use it). The start id is cast to
    the id column's type: PostgreSQL refuses a recursive query whose terms differ in type."""
    sql = f"""
        WITH RECURSIVE tree(id) AS (
          SELECT CAST(%s AS BIGINT) UNION SELECT a.id FROM {Account._meta.db_table} a
          JOIN tree ON a.parent_id = tree.id
        ) SELECT id FROM tree
    """  # noqa: S608 (table names come from the models, values are parameters)
    tree = RawSQL(sql, (account_id,))  # noqa: S611
    return list(Account.objects.filter(id__in=tree).values_list("id", flat=True))


def account_members(*, user: User, account: Account) -> QuerySet[Account]:
    return accounts_visible_to(user).filter(parent=account).select_related("owner")


def account_team(account: Account) -> QuerySet[TeamMembership]:
    return account.team.select_related("user").order_by("role", "user__last_name")


def account_stakeholders(account: Account) -> list[Stakeholder]:
    return list(account.stakeholders.order_by(german("last_name"), german("first_name"), "pk"))


@dataclass
class OrgNode:
    stakeholder: Stakeholder
    children: list["OrgNode"]


def stakeholder_org_chart(stakeholders: list[Stakeholder]) -> list[OrgNode]:
    """The customer's organisation as trees: who reports to whom."""
    nodes = {s.pk: OrgNode(s, []) for s in stakeholders}
    roots: list[OrgNode] = []
    for stakeholder in stakeholders:
        boss = nodes.get(stakeholder.reports_to_id) if stakeholder.reports_to_id else None
        (boss.children if boss and boss is not nodes[stakeholder.pk] else roots).append(
            nodes[stakeholder.pk]
        )
    return roots


def stakeholders_visible_to(user: User) -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(account__in=accounts_visible_to(user))


def account_filter_choices(user: User) -> dict:
    visible = accounts_visible_to(user)
    owners = User.objects.filter(owned_accounts__in=visible).distinct().order_by("last_name")
    return {
        "industries": list(
            visible.exclude(industry="")
            .values_list("industry", flat=True)
            .distinct()
            .order_by("industry")
        ),
        "tiers": list(
            visible.exclude(tier="").values_list("tier", flat=True).distinct().order_by("tier")
        ),
        "owners": list(owners.only("id", "first_name", "last_name", "username")),
    }
