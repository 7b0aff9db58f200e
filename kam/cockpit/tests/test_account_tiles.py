"""KPI tiles and the forecast chart above the tabs of the account page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.analysis.tests.factories import add_facts, months_ending
from kam.sales.figures import last_complete_month
from kam.testing.factories import UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db


def account_page(client, user, account) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:detail", kwargs={"pk": account.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_tiles_show_the_figures_and_the_stored_results_above_the_tabs(client, alice, portfolio):
    """Revenue and margin from the monthly facts (as in the sales tab), class and forecast from
    the latest analysis."""
    account = portfolio["accounts"][1]
    add_facts(account, months_ending(last_complete_month(timezone.localdate()), [25_000] * 12))

    html = account_page(client, alice, account)

    tiles = html[html.index('id="account-tiles"') : html.index('role="tablist"')]
    assert 'data-figure="revenue">300.000 €' in tiles
    assert 'data-figure="forecast">330.000 €' in tiles
    assert 'data-figure="margin-rate">25,0 %' in tiles
    assert "BX" in tiles  # ABC B, XYZ X
    assert reverse("cockpit:chart_account", kwargs={"pk": portfolio["accounts"][1].pk}) in html


def test_tiles_hide_the_margin_without_the_permission(client, portfolio):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)

    html = account_page(client, viewer, portfolio["accounts"][1])

    assert 'data-figure="margin-rate"' not in html


def test_an_account_without_analysis_shows_empty_tiles(client, alice):
    from kam.testing.factories import AccountFactory

    html = account_page(client, alice, AccountFactory(owner=alice))

    assert 'data-figure="revenue">0 €' in html
    assert 'data-figure="forecast">–' in html
    assert 'id="account-forecast"' not in html
