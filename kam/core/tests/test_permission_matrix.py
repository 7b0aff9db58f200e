"""Every role × every URL × every action, and a guard that no URL is left out of the matrix.

A row names a URL, the object it is called on (`own`: alice's account; `foreign`: carol's), the
method, and the expected status for each role in kam.testing.matrix.ROLES. Apps add rows in
`kam/<app>/tests/matrix.py` (see kam.testing.matrix).
"""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kam.accounts.models import Access
from kam.core.plugins import app_modules
from kam.testing.factories import AccountFactory, StakeholderFactory, TeamMembershipFactory
from kam.testing.matrix import ROLES, Row, account_pk


def stakeholder_kwargs(objects: dict) -> dict:
    return {"pk": objects["account"].pk, "stakeholder_pk": objects["stakeholder"].pk}


def team_kwargs(objects: dict) -> dict:
    return {"pk": objects["account"].pk, "membership_pk": objects["team"].pk}


def api_account(objects: dict) -> dict:
    return {"account_id": objects["account"].pk}


MATRIX = [
    Row("home", "none", "get", "200 200 200 200 200 302"),
    Row("settings", "none", "get", "200 200 200 200 200 302"),
    Row("health", "none", "get", "503 503 503 503 503 503"),  # no worker in tests
    Row("login", "none", "get", "302 302 302 302 302 200"),
    Row("logout", "none", "post", "302 302 302 302 302 302"),
    Row("set_language", "none", "post", "302 302 302 302 302 302"),
    Row("accounts:list", "none", "get", "200 200 200 200 200 302"),
    Row("accounts:autocomplete", "none", "get", "200 200 200 200 200 302"),
    Row("accounts:create", "none", "get", "200 200 200 403 403 302"),
    Row("accounts:detail", "own", "get", "200 200 200 200 200 302", account_pk),
    Row("accounts:detail", "foreign", "get", "200 200 404 404 200 302", account_pk),
    Row("accounts:update", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("accounts:update", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("accounts:delete", "own", "get", "200 200 403 403 403 302", account_pk),
    Row("accounts:delete", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("accounts:team_add", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("accounts:team_add", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("accounts:team_remove", "own", "post", "302 302 302 302 403 302", team_kwargs),
    Row("accounts:team_remove", "foreign", "post", "302 302 404 404 403 302", team_kwargs),
    Row("accounts:stakeholder_create", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("accounts:stakeholder_create", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("accounts:stakeholder_update", "own", "get", "200 200 200 200 403 302", stakeholder_kwargs),
    Row(
        "accounts:stakeholder_update",
        "foreign",
        "get",
        "200 200 404 404 403 302",
        stakeholder_kwargs,
    ),
    Row("accounts:stakeholder_delete", "own", "get", "200 200 200 200 403 302", stakeholder_kwargs),
    Row(
        "accounts:stakeholder_delete",
        "foreign",
        "get",
        "200 200 404 404 403 302",
        stakeholder_kwargs,
    ),
    Row("api:list_accounts", "none", "get", "200 200 200 200 200 401"),
    Row("api:get_account", "own", "get", "200 200 200 200 200 401", api_account),
    Row("api:get_account", "foreign", "get", "200 200 404 404 200 401", api_account),
    Row("api:openapi-json", "none", "get", "200 200 200 200 200 302"),
    Row("api:openapi-view", "none", "get", "200 200 200 200 200 302"),
    Row("api:api-root", "none", "get", "404 404 404 404 404 404"),
]
MATRIX += [row for module in app_modules("tests.matrix") for row in module.ROWS]

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


def app_objects(account, users) -> dict:
    objects: dict = {}
    for module in app_modules("tests.matrix"):
        if hasattr(module, "objects"):
            objects.update(module.objects(account, users))
    return objects


def build_world(root, leader, alice, bob, carol, sam) -> dict:
    users = {"root": root, "leader": leader, "alice": alice, "bob": bob, "sam": sam}
    world: dict = {"users": users}
    for target, owner, team_user in (("own", alice, bob), ("foreign", carol, carol)):
        account = AccountFactory(owner=owner)
        world[target] = {
            "account": account,
            "stakeholder": StakeholderFactory(account=account),
            "team": TeamMembershipFactory(account=account, user=team_user, access=Access.EDIT),
            **app_objects(account, users),
        }
    return world


@pytest.fixture
def make_world(root, leader, alice, bob, carol, sam):
    return lambda: build_world(root, leader, alice, bob, carol, sam)


def url_of(row: Row, objects: dict) -> str:
    url = reverse(row.name, kwargs=row.kwargs(objects) if row.kwargs else None)
    return f"{url}?{row.query}" if row.query else url


@contextmanager
def undone():
    """What a request wrote is rolled back afterwards (a POST may delete its object): every role
    meets the world as it was built, without building it again for each."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        cache.clear()


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.name}-{r.target}-{r.method}")
def test_permission_matrix(row: Row, make_world):
    world = make_world()
    expected = dict(zip(ROLES, row.expected.split(), strict=True))
    got = {}
    for role in ROLES:
        with undone():
            client = Client()
            if role != "anonymous":
                client.force_login(world["users"][role])
            url = url_of(row, world.get(row.target, {}))
            got[role] = str(getattr(client, row.method)(url, row.data).status_code)
    assert got == expected


def test_admin_is_staff_only(make_world, client):
    for role, user in make_world()["users"].items():
        client.force_login(user)
        status = client.get(reverse("admin:index")).status_code
        assert status == (200 if role == "root" else 302), role
