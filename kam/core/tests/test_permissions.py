"""kam.core.permissions: every capability per named user, the edge cases of each rule, and a
guard that the role policy is written nowhere else."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.template import Context, Template
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from kam.accounts.models import Access
from kam.core import permissions
from kam.core.context_processors import permissions as permissions_context
from kam.testing.factories import AccountFactory, TeamMembershipFactory, UserFactory
from kam.testing.matrix import CAPABILITY_TABLE, ROLES, allowed
from kam.users.models import Role, User


@pytest.fixture
def named_users(root, leader, alice, bob, sam):
    return {"root": root, "leader": leader, "alice": alice, "bob": bob, "sam": sam}


@pytest.fixture
def accounts(alice, bob, carol):
    own = AccountFactory(owner=alice)
    TeamMembershipFactory(account=own, user=bob, access=Access.EDIT)
    return {"own": own, "foreign": AccountFactory(owner=carol)}


def viewer(named_users: dict, role: str):
    return AnonymousUser() if role == "anonymous" else named_users[role]


def marks(answers: list[bool]) -> str:
    return " ".join("+" if answer else "-" for answer in answers)


# --- the capability table: every capability has a row, every row is the module's answer


def test_every_capability_has_a_row_in_the_table():
    rows = {key for key in CAPABILITY_TABLE if isinstance(key, str)}
    account_rows = {key[0] for key in CAPABILITY_TABLE if isinstance(key, tuple)}
    assert rows == set(permissions.CAPABILITIES)
    assert account_rows == set(permissions.ACCOUNT_CAPABILITIES)


@pytest.mark.parametrize("name", sorted(permissions.CAPABILITIES))
def test_capability_per_named_user(name, named_users):
    answers = [permissions.CAPABILITIES[name](viewer(named_users, role)) for role in ROLES]
    assert marks(answers) == CAPABILITY_TABLE[name]


@pytest.mark.parametrize("name", sorted(permissions.ACCOUNT_CAPABILITIES))
@pytest.mark.parametrize("target", ["own", "foreign"])
def test_account_capability_per_named_user(name, target, named_users, accounts):
    capability = permissions.ACCOUNT_CAPABILITIES[name]
    answers = [capability(viewer(named_users, role), accounts[target]) for role in ROLES]
    assert marks(answers) == CAPABILITY_TABLE[(name, target)]


def test_matrix_rows_take_their_statuses_from_the_table():
    assert allowed("can_import_sales", "200", "403") == "200 200 403 403 403 302"
    assert allowed("can_view_margins", "200", "404", "401") == "200 200 200 404 404 401"


# --- the rules' edge cases


@given(
    role=st.sampled_from(Role.values),
    superuser=st.booleans(),
    staff=st.booleans(),
)
def test_a_deactivated_user_may_do_nothing(role, superuser, staff):
    user = User(role=role, is_superuser=superuser, is_staff=staff, is_active=False)
    assert not any(capability(user) for capability in permissions.CAPABILITIES.values())


@pytest.mark.django_db
def test_a_superuser_of_any_role_sees_and_edits_everything():
    user = UserFactory(role=Role.FIELD_SALES, is_superuser=True, margins=False)
    assert permissions.can_see_all_accounts(user)
    assert permissions.can_edit_all_accounts(user)
    assert permissions.can_view_margins(user)
    assert permissions.can_import_sales(user)
    assert not permissions.sees_service_cockpit(user)


@pytest.mark.django_db
def test_a_superuser_in_customer_service_sees_margins_and_the_full_cockpit():
    user = UserFactory(role=Role.CUSTOMER_SERVICE, is_superuser=True)
    assert permissions.can_view_margins(user)
    assert not permissions.sees_service_cockpit(user)


@pytest.mark.django_db
def test_margins_are_a_permission_of_their_own():
    assert not permissions.can_view_margins(UserFactory(role=Role.LEADERSHIP, margins=False))
    assert permissions.can_view_margins(UserFactory(role=Role.FIELD_SALES, margins=True))
    assert not permissions.can_view_margins(UserFactory(role=Role.CUSTOMER_SERVICE, margins=True))


@pytest.mark.django_db
def test_the_import_right_lets_a_key_account_manager_import(alice):
    alice.user_permissions.add(Permission.objects.get(codename="run_import"))
    alice = User.objects.get(pk=alice.pk)  # Django caches permissions per instance
    assert permissions.can_import_sales(alice)
    assert not permissions.can_edit_analysis_settings(alice)


def test_new_users_rights_by_role():
    assert [r for r in Role.values if permissions.gets_admin_rights(r)] == [Role.ADMIN]
    assert {r for r in Role.values if permissions.gets_margins_by_default(r)} == {
        Role.ADMIN,
        Role.LEADERSHIP,
        Role.KEY_ACCOUNT_MANAGER,
    }


# --- templates ask through perms_kam


def render(source: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template(source).render(Context(permissions_context(request)))


@pytest.mark.django_db
def test_templates_ask_perms_kam(leader, bob):
    source = "{% if perms_kam.can_manage_cadence %}yes{% else %}no{% endif %}"
    assert render(source, leader) == "yes"
    assert render(source, bob) == "no"
    assert render(source, AnonymousUser()) == "no"


def test_a_misspelt_capability_in_a_template_fails_loudly():
    with pytest.raises(permissions.UnknownCapability):
        render("{% if perms_kam.can_manage_cadenc %}yes{% endif %}", AnonymousUser())


@pytest.mark.django_db
def test_the_cadence_link_follows_the_capability(client, leader, bob):
    for user, shown in ((leader, True), (bob, False)):
        client.force_login(user)
        page = client.get("/activities/").content.decode()
        assert ("/activities/cadence/" in page) is shown, user


@pytest.mark.django_db
def test_the_import_and_admin_links_follow_the_capabilities(client, root, leader, alice):
    for user, imports, admin in ((root, True, True), (leader, True, False), (alice, False, False)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('href="/sales/imports/"' in page) is imports, user
        assert ('href="/admin/"' in page) is admin, user


# --- the policy lives in one module


ROOT = Path(__file__).resolve().parents[2]  # the kam package
#: Reading a user's role, superuser flag or Django permissions to decide what they may do.
POLICY = re.compile(
    r"\.role\s*(==|!=|\bin\b|\bnot in\b)"  # user.role == ..., user.role in (...)
    r"|\bis_superuser\s+or\b|\bor\s+[\w.]*is_superuser\b|\bnot\s+[\w.]*is_superuser\b"
    r"|Role\.ADMIN,\s*Role\.LEADERSHIP"
    r"|ALL_ACCOUNTS_ROLES|MARGIN_ROLES"
    r"|\.has_perm\("
    r"|\b(sees_all_accounts|user\.can_view_margins)\b"
    r"|\brole__in\b|[(,]\s*role\s*=\s*Role\."  # .filter(role__in=[...]), Q(role=Role.X)
)
#: The same in templates, which ask `perms_kam` instead.
TEMPLATE_POLICY = re.compile(r"\buser\.(role|is_superuser|is_staff|has_perm)\b|\bperms\.")


def policy_lines() -> list[str]:
    found = []
    for path in sorted([*ROOT.rglob("*.py"), *ROOT.rglob("*.html")]):
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "core" and path.name == "permissions.py":
            continue
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        template = path.suffix == ".html"
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if not template and line.lstrip().startswith("#"):
                continue
            if POLICY.search(line) or (template and TEMPLATE_POLICY.search(line)):
                found.append(f"kam/{relative}:{number}: {line.strip()}")
    return found


def test_the_role_policy_is_written_only_in_the_permissions_module():
    lines = policy_lines()
    assert not lines, "ask kam.core.permissions instead:\n" + "\n".join(lines)


def test_the_policy_guard_finds_a_copy():
    copies = [
        "if user.is_superuser or user.role in (Role.ADMIN, Role.LEADERSHIP):",
        "return user.role == Role.CUSTOMER_SERVICE",
        "show = request.user.can_view_margins",
        "return self.user.is_superuser or self.user.role in ALL_ACCOUNTS_ROLES",
        "people += list(User.objects.filter(role=Role.LEADERSHIP, is_active=True))",
        "is_active=True, role__in=[Role.KEY_ACCOUNT_MANAGER, Role.FIELD_SALES]",
        "User.objects.exclude(role__in=roles)",
        "User.objects.filter(is_active=True, role=Role.FIELD_SALES)",
    ]
    assert all(POLICY.search(copy) for copy in copies)
    assert TEMPLATE_POLICY.search("{% if user.is_superuser %}")
    assert TEMPLATE_POLICY.search("{% if perms.users.view_margins %}")
    assert not POLICY.search("role = models.CharField(choices=Role.choices)")
    assert not POLICY.search("is_superuser=gets_admin_rights(role),")
    assert not POLICY.search("TeamMembership(role=TeamRole.FIELD_SALES)")
    assert not POLICY.search("    role = Role.KEY_ACCOUNT_MANAGER")
    assert not POLICY.search('("leitung", Role.LEADERSHIP, "Laura", "Lehmann", None),')


@pytest.mark.parametrize("name", sorted(permissions.USER_LISTS))
def test_each_user_list_holds_the_users_with_its_capability(name, named_users):
    inactive = UserFactory(role=Role.LEADERSHIP, is_active=False)
    listed = set(permissions.USER_LISTS[name]())
    having = {
        user for user in [*named_users.values(), inactive] if permissions.CAPABILITIES[name](user)
    }

    assert listed == having


def test_the_edit_right_on_an_account_is_asked_once_per_request(alice, django_assert_num_queries):
    from kam.core.permissions import can_edit_account
    from kam.testing.factories import AccountFactory

    account = AccountFactory(owner=alice)
    with django_assert_num_queries(1):
        answers = [can_edit_account(alice, account) for _ in range(5)]

    assert answers == [True] * 5
