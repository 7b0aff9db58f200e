"""The analysis and sales endpoints of the JSON API: visibility and the margin permission."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.analysis.tests.factories import add_facts, make_run, months_ending
from kam.cockpit.tests.factories import make_result
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice, bob):
    account = AccountFactory(owner=alice)
    TeamMembershipFactory(account=account, user=bob)
    make_result(make_run(), account, revenue=120_000, margin_12m_cents=3_000_000)
    return account


def test_the_latest_result_with_margins_for_those_who_may_see_them(client, alice, account):
    client.force_login(alice)

    body = client.get(reverse("api:account_analysis", args=[account.pk])).json()

    assert body["margin_12m"] == 30_000.0
    assert body["revenue_12m"] > 0


def test_no_margins_for_a_field_rep_without_the_permission(client, bob, account):
    client.force_login(bob)

    analysis = client.get(reverse("api:account_analysis", args=[account.pk])).json()

    assert analysis["margin_12m"] is None and analysis["abc_margin"] is None
    assert analysis["revenue_12m"] > 0


def test_monthly_sales_hide_the_margin_without_the_permission(client, alice, bob, account):
    add_facts(account, months_ending(timezone.localdate().replace(day=1), [1000] * 3))
    url = reverse("api:account_monthly_sales", args=[account.pk])

    client.force_login(alice)
    with_margin = client.get(url).json()
    client.force_login(bob)
    without = client.get(url).json()

    assert len(with_margin) == 36 and any(m["margin"] for m in with_margin)
    assert all(m["margin"] is None for m in without)
    assert sum(m["revenue"] for m in without) == sum(m["revenue"] for m in with_margin) > 0


def test_an_account_without_a_result_answers_404(client, alice):
    client.force_login(alice)
    other = AccountFactory(owner=alice)

    assert client.get(reverse("api:account_analysis", args=[other.pk])).status_code == 404
