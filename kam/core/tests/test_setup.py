"""Settings, the `kam` commands and the translation catalogue."""

import io
import os
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kam.accounts.models import Account, Stakeholder, TeamMembership
from kam.core.models import BulkEvent
from kam.core.permissions import can_view_margins
from kam.settings.env import env_bool, secret_key
from kam.users.models import User

ROOT = Path(__file__).resolve().parents[3]


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("KAM_SECRET_KEY", raising=False)

    first, second = secret_key(tmp_path), secret_key(tmp_path)

    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("KAM_DEBUG", "vielleicht")

    with pytest.raises(ValueError, match="KAM_DEBUG"):
        env_bool("KAM_DEBUG")


@pytest.mark.once
def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "kam.settings.production",
        "KAM_DATA_DIR": str(tmp_path),
        "KAM_SECRET_KEY": "x" * 60 + "a-long-random-production-key",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kam.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_createuser_reads_the_password_from_stdin(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("geheim-123\n"))
    call_command(
        "createuser", "boss", "--role", "leadership", "--password-stdin", stdout=io.StringIO()
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("geheim-456\n"))
    call_command(
        "createuser",
        "rep",
        "--role",
        "field",
        "--manager",
        "boss",
        "--password-stdin",
        stdout=io.StringIO(),
    )

    rep = User.objects.get(username="rep")
    assert rep.manager.username == "boss" and rep.check_password("geheim-456")
    assert not can_view_margins(rep)


def test_createuser_names_an_unknown_manager(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-123456\n"))

    with pytest.raises(CommandError, match="niemand"):
        call_command(
            "createuser", "rep", "--role", "field", "--manager", "niemand", "--password-stdin"
        )


def _customers() -> int:
    """The demo's customers; the prospects its referrals brought (INT-…) come on top."""
    return Account.objects.exclude(customer_number__startswith="INT-").count()


def load_demo_and_roll_back(seed: int) -> tuple[list, str]:
    out = io.StringIO()
    with transaction.atomic():
        call_command("demo", "--accounts", "60", "--seed", str(seed), stdout=out)
        assert _customers() == 60
        assert Account.objects.filter(parent__isnull=False).exists()
        assert TeamMembership.objects.exists() and Stakeholder.objects.exists()
        assert BulkEvent.objects.filter(action="demo").count() == 1
        company = list(
            Account.objects.order_by("customer_number").values_list(
                "name", "parent__customer_number", "owner__username", "status"
            )
        )
        transaction.set_rollback(True)
    return company, out.getvalue()


def test_demo_is_deterministic_and_prints_the_logins(db):
    first, printed = load_demo_and_roll_back(7)
    again, _ = load_demo_and_roll_back(7)
    other, _ = load_demo_and_roll_back(8)

    assert first == again
    assert first != other
    assert "mueller" in printed and "kam-demo" in printed


def test_demo_if_empty_does_not_load_twice(db):
    call_command("demo", "--accounts", "20", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)

    assert _customers() == 20
    assert "bereits" in out.getvalue() and "leitung" in out.getvalue()


CATALOGUES = sorted((ROOT / "kam").glob("*/locale/de/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_a_catalogue():
    assert {path.parts[-5] for path in CATALOGUES} >= {"core", "accounts", "users"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_the_german_catalogue_is_complete_and_compiled(catalogue):
    po = polib.pofile(str(catalogue))
    mo = polib.mofile(str(catalogue.with_suffix(".mo")))

    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    compiled = {e.msgid: e.msgstr for e in mo}
    assert all(compiled.get(e.msgid) == e.msgstr for e in po if not e.msgid_plural), (
        "django.mo is older than django.po: run `make messages`"
    )
