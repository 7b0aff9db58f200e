"""accounts_visible_to: the one gate, checked by hand and against a brute-force oracle."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kam.accounts.models import Access, Account, TeamMembership, TeamRole
from kam.accounts.selectors import (
    account_ids_visible_to,
    accounts_editable_by,
    accounts_visible_to,
    scope_read_once,
)
from kam.testing.factories import AccountFactory, TeamMembershipFactory, UserFactory
from kam.users.models import Role, User


def visible_ids(user) -> set[int]:
    return set(accounts_visible_to(user).values_list("id", flat=True))


def raw_visible_ids(user) -> set[int]:
    """The ids of `account_ids_visible_to` (the scope as SQL, for the search), run as they are."""
    scope = account_ids_visible_to(user)
    if scope is None:
        return set(Account.objects.values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(*scope)
        return {row[0] for row in cursor.fetchall()}


def test_a_manager_sees_own_subordinates_and_group_members(alice, bob, carol):
    own = AccountFactory(owner=alice)
    member = AccountFactory(owner=carol, parent=own)
    grandchild = AccountFactory(owner=None, parent=member)
    of_bob = AccountFactory(owner=bob)
    of_carol = AccountFactory(owner=carol)

    assert visible_ids(alice) == {own.id, member.id, grandchild.id, of_bob.id}
    assert visible_ids(bob) == {of_bob.id}
    assert visible_ids(carol) == {member.id, grandchild.id, of_carol.id}


def test_a_team_seat_shows_the_account_but_edit_needs_edit_access(carol, bob):
    account = AccountFactory(owner=carol)
    TeamMembershipFactory(account=account, user=bob, access=Access.READ)

    assert account.id in visible_ids(bob)
    assert not accounts_editable_by(bob).filter(pk=account.pk).exists()


def test_service_sees_everything_but_edits_nothing(sam, carol):
    account = AccountFactory(owner=carol)

    assert account.id in visible_ids(sam)
    assert not accounts_editable_by(sam).exists()


def test_leadership_and_admin_see_everything(leader, root, carol):
    account = AccountFactory(owner=carol)

    assert account.id in visible_ids(leader)
    assert account.id in visible_ids(root)


def test_nobody_else_sees_anything(db, carol):
    AccountFactory(owner=carol)
    inactive = UserFactory(role=Role.LEADERSHIP, is_active=False)

    assert visible_ids(AnonymousUser()) == set()
    assert visible_ids(inactive) == set()
    assert raw_visible_ids(AnonymousUser()) == set()
    assert raw_visible_ids(inactive) == set()


# --- property: for random hierarchies, teams and manager chains the visible set is the oracle's

ROLES = [Role.KEY_ACCOUNT_MANAGER, Role.FIELD_SALES, Role.CUSTOMER_SERVICE, Role.LEADERSHIP]


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 6))
    users = [
        (draw(st.sampled_from(ROLES)), draw(st.none() | st.integers(0, i - 1)) if i else None)
        for i in range(n_users)
    ]
    n_accounts = draw(st.integers(0, 12))
    accounts = [
        (
            draw(st.none() | st.integers(0, n_users - 1)),
            draw(st.none() | st.integers(0, i - 1)) if i else None,
        )
        for i in range(n_accounts)
    ]
    team = draw(
        st.lists(
            st.tuples(
                st.integers(0, max(n_accounts - 1, 0)),
                st.integers(0, n_users - 1),
                st.sampled_from([Access.READ, Access.EDIT]),
            ),
            max_size=8,
            unique_by=lambda t: (t[0], t[1]),
        )
        if n_accounts
        else st.just([])
    )
    return users, accounts, team


def oracle(users, accounts, team, who: int, *, edit_only: bool) -> set[int]:
    role = users[who][0]
    if role == Role.LEADERSHIP:
        return set(range(len(accounts)))
    if role == Role.CUSTOMER_SERVICE:
        return set() if edit_only else set(range(len(accounts)))
    chain = {who}
    while True:
        more = {i for i, (_, manager) in enumerate(users) if manager in chain} - chain
        if not more:
            break
        chain |= more
    seen = {i for i, (owner, _) in enumerate(accounts) if owner in chain}
    seen |= {a for a, u, access in team if u in chain and (access == Access.EDIT or not edit_only)}
    while True:
        more = {i for i, (_, parent) in enumerate(accounts) if parent in seen} - seen
        if not more:
            return seen
        seen |= more


class VisibilityMatchesOracle(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(worlds())
    def test_visible_and_editable_sets_match_the_oracle(self, world):
        users, accounts, team = world
        db_users: list[User] = []
        for i, (role, manager) in enumerate(users):
            db_users.append(
                User.objects.create(
                    username=f"u{i}",
                    role=role,
                    manager=db_users[manager] if manager is not None else None,
                )
            )
        db_accounts: list[Account] = []
        for i, (owner, parent) in enumerate(accounts):
            db_accounts.append(
                Account.objects.create(
                    customer_number=f"A{i}",
                    name=f"A{i}",
                    owner=db_users[owner] if owner is not None else None,
                    parent=db_accounts[parent] if parent is not None else None,
                )
            )
        for account, user, access in team:
            TeamMembership.objects.create(
                account=db_accounts[account],
                user=db_users[user],
                role=TeamRole.FIELD_SALES,
                access=access,
            )
        index = {account.id: i for i, account in enumerate(db_accounts)}
        for who, user in enumerate(db_users):
            for edit_only, selector in ((False, accounts_visible_to), (True, accounts_editable_by)):
                got = {index[pk] for pk in selector(user).values_list("id", flat=True)}
                assert got == oracle(users, accounts, team, who, edit_only=edit_only), (
                    who,
                    edit_only,
                )
            raw = {index[pk] for pk in raw_visible_ids(user)}
            assert raw == oracle(users, accounts, team, who, edit_only=False), who
            with scope_read_once(user):  # the ids read once say the same
                for edit_only, selector in (
                    (False, accounts_visible_to),
                    (True, accounts_editable_by),
                ):
                    got = {index[pk] for pk in selector(user).values_list("id", flat=True)}
                    assert got == oracle(users, accounts, team, who, edit_only=edit_only)
                raw = {index[pk] for pk in raw_visible_ids(user)}
                assert raw == oracle(users, accounts, team, who, edit_only=False), who


@pytest.mark.django_db
def test_the_scope_is_one_query_however_deep_the_chain(alice, django_assert_num_queries):
    parent = AccountFactory(owner=alice)
    for _ in range(5):
        parent = AccountFactory(owner=None, parent=parent)

    with django_assert_num_queries(1):
        assert len(list(accounts_visible_to(alice))) == 6


@pytest.mark.django_db
def test_a_scope_read_once_is_one_query_for_any_number_of_uses_and_ids(alice, bob):
    """Inside scope_read_once the recursive query runs once; its ids go on as one parameter,
    so a scope of more accounts than a statement may have parameters works."""
    Account.objects.bulk_create(
        Account(customer_number=f"M{i}", name=f"M{i}", owner=bob) for i in range(1500)
    )
    with scope_read_once(alice):
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                assert accounts_visible_to(alice).count() == 1500
        assert len(queries.captured_queries) == 4
        assert sum("RECURSIVE" in q["sql"] for q in queries.captured_queries) == 1
    assert not hasattr(alice, "_kam_scope_read_once")
    with CaptureQueriesContext(connection) as queries:
        assert accounts_visible_to(alice).count() == 1500
    assert "RECURSIVE" in queries.captured_queries[0]["sql"]
