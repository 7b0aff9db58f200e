"""Every role × every URL × every action, and a guard that no URL is left out of the matrix.

A row names a URL, the object it is called on (`own`: alice's account; `foreign`: carol's), the
method, and the expected status for each of: root (admin), leader, alice (key account manager),
bob (field rep reporting to alice, on the team of alice's account with edit access),
sam (customer service), anonymous.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kam.accounts.models import Access
from kam.testing.factories import AccountFactory, StakeholderFactory, TeamMembershipFactory

ROLES = ("root", "leader", "alice", "bob", "sam", "anonymous")


@dataclass(frozen=True)
class Row:
    name: str
    target: str  # none | own | foreign
    method: str
    expected: str  # one status per role, in ROLES order
    args: str = ""  # which object ids go into the URL: "", "account", "stakeholder", "team"


MATRIX = [
    Row("home", "none", "get", "200 200 200 200 200 302"),
    Row("settings", "none", "get", "200 200 200 200 200 302"),
    Row("health", "none", "get", "200 200 200 200 200 200"),
    Row("login", "none", "get", "302 302 302 302 302 200"),
    Row("logout", "none", "post", "302 302 302 302 302 302"),
    Row("set_language", "none", "post", "302 302 302 302 302 302"),
    Row("accounts:list", "none", "get", "200 200 200 200 200 302"),
    Row("accounts:autocomplete", "none", "get", "200 200 200 200 200 302"),
    Row("accounts:create", "none", "get", "200 200 200 403 403 302"),
    Row("accounts:detail", "own", "get", "200 200 200 200 200 302", "account"),
    Row("accounts:detail", "foreign", "get", "200 200 404 404 200 302", "account"),
    Row("accounts:update", "own", "get", "200 200 200 200 403 302", "account"),
    Row("accounts:update", "foreign", "get", "200 200 404 404 403 302", "account"),
    Row("accounts:delete", "own", "get", "200 200 403 403 403 302", "account"),
    Row("accounts:delete", "foreign", "get", "200 200 404 404 403 302", "account"),
    Row("accounts:team_add", "own", "get", "200 200 200 200 403 302", "account"),
    Row("accounts:team_add", "foreign", "get", "200 200 404 404 403 302", "account"),
    Row("accounts:team_remove", "own", "post", "302 302 302 302 403 302", "team"),
    Row("accounts:team_remove", "foreign", "post", "302 302 404 404 403 302", "team"),
    Row("accounts:stakeholder_create", "own", "get", "200 200 200 200 403 302", "account"),
    Row("accounts:stakeholder_create", "foreign", "get", "200 200 404 404 403 302", "account"),
    Row("accounts:stakeholder_update", "own", "get", "200 200 200 200 403 302", "stakeholder"),
    Row("accounts:stakeholder_update", "foreign", "get", "200 200 404 404 403 302", "stakeholder"),
    Row("accounts:stakeholder_delete", "own", "get", "200 200 200 200 403 302", "stakeholder"),
    Row("accounts:stakeholder_delete", "foreign", "get", "200 200 404 404 403 302", "stakeholder"),
    Row("api:list_accounts", "none", "get", "200 200 200 200 200 401"),
    Row("api:get_account", "own", "get", "200 200 200 200 200 401", "api_account"),
    Row("api:get_account", "foreign", "get", "200 200 404 404 200 401", "api_account"),
    Row("api:openapi-json", "none", "get", "200 200 200 200 200 302"),
    Row("api:openapi-view", "none", "get", "200 200 200 200 200 302"),
    Row("api:api-root", "none", "get", "404 404 404 404 404 404"),
]

#: URL names outside the matrix, each with the reason.
EXEMPT_NAMESPACES = {
    "admin": "Django's admin: staff only, checked by Django itself and by test_admin_is_staff_only",
}


def all_url_names(patterns=None, namespace="") -> set[str]:
    names: set[str] = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= all_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}")
    return names


def test_every_url_is_in_the_matrix():
    covered = {row.name for row in MATRIX}
    missing = {
        name
        for name in all_url_names()
        if name.split(":")[0] not in EXEMPT_NAMESPACES and name not in covered
    }
    assert not missing, f"URLs without a permission-matrix entry: {sorted(missing)}"


@pytest.fixture
def make_world(root, leader, alice, bob, carol, sam):
    return lambda: build_world(root, leader, alice, bob, carol, sam)


@pytest.fixture
def world(make_world):
    return make_world()


def build_world(root, leader, alice, bob, carol, sam):
    own = AccountFactory(owner=alice)
    foreign = AccountFactory(owner=carol)
    return {
        "users": {"root": root, "leader": leader, "alice": alice, "bob": bob, "sam": sam},
        "own": {
            "account": own,
            "stakeholder": StakeholderFactory(account=own),
            "team": TeamMembershipFactory(account=own, user=bob, access=Access.EDIT),
        },
        "foreign": {
            "account": foreign,
            "stakeholder": StakeholderFactory(account=foreign),
            "team": TeamMembershipFactory(account=foreign, user=carol, access=Access.EDIT),
        },
    }


def url_of(row: Row, objects: dict) -> str:
    if row.args == "account":
        return reverse(row.name, kwargs={"pk": objects["account"].pk})
    if row.args == "api_account":
        return reverse(row.name, kwargs={"account_id": objects["account"].pk})
    if row.args == "stakeholder":
        return reverse(
            row.name,
            kwargs={"pk": objects["account"].pk, "stakeholder_pk": objects["stakeholder"].pk},
        )
    if row.args == "team":
        return reverse(
            row.name, kwargs={"pk": objects["account"].pk, "membership_pk": objects["team"].pk}
        )
    return reverse(row.name)


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.name}-{r.target}-{r.method}")
def test_permission_matrix(row: Row, make_world):
    world = make_world()
    expected = dict(zip(ROLES, row.expected.split(), strict=True))
    got = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world["users"][role])
        if row.method == "post":
            world = make_world()  # a POST may delete its object: each role gets a fresh one
        objects = world.get(row.target, {})
        response = getattr(client, row.method)(url_of(row, objects))
        got[role] = str(response.status_code)
    assert got == expected


def test_admin_is_staff_only(world, client):
    for role, user in world["users"].items():
        client.force_login(user)
        status = client.get(reverse("admin:index")).status_code
        assert status == (200 if role == "root" else 302), role
