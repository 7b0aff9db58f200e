"""Quick entry with the contact persons met: their freshness and the coverage follow the visit."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kam.accounts.models import KeyAccountStatus
from kam.activities.coverage import stakeholder_coverage, stale_stakeholders
from kam.activities.models import Activity
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def _visit(client, account, **extra):
    when = (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "visit", "starts_at": when, "subject": "Jahresgespräch", **extra}
    return client.post(reverse("activities:quick_create", args=[account.pk]), data)


@time_machine.travel("2026-06-15 10:00 +02:00", tick=False)
def test_a_logged_visit_with_the_people_met_makes_them_fresh(logged_in, alice):
    account = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    met = StakeholderFactory(account=account, last_name="Böhm")
    missed = StakeholderFactory(account=account, last_name="Brandt")
    assert all(entry.stale for entry in stakeholder_coverage(account))

    response = _visit(logged_in, account, stakeholders=[met.pk])

    assert response.status_code == 302
    assert list(Activity.objects.get().stakeholders.all()) == [met]
    stale = {entry.stakeholder.last_name: entry.stale for entry in stakeholder_coverage(account)}
    assert stale == {"Böhm": False, "Brandt": True}
    assert list(stale_stakeholders(user=alice, account=account)) == [missed]


def test_a_stakeholder_of_another_account_is_refused_and_nothing_is_saved(logged_in, alice):
    account = AccountFactory(owner=alice)
    stranger = StakeholderFactory(account=AccountFactory(owner=alice))

    response = _visit(logged_in, account, stakeholders=[stranger.pk])

    assert response.status_code == 400
    assert "stakeholders" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_the_contacts_tab_offers_the_accounts_stakeholders_to_tick(logged_in, alice):
    account = AccountFactory(owner=alice)
    StakeholderFactory(account=account, first_name="Eva", last_name="<b>Zorn</b>")
    StakeholderFactory(account=AccountFactory(owner=alice), last_name="Fremd")

    html = logged_in.get(reverse("accounts:detail", args=[account.pk])).content.decode()

    assert 'id="quick-stakeholders"' in html and "&lt;b&gt;Zorn&lt;/b&gt;" in html
    assert "Fremd" not in html
