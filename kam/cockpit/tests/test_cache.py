"""The cockpit renders a run's figures once per kind of viewer and serves them from the cache."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.cockpit import selectors
from kam.cockpit.filters import period_choices
from kam.testing.factories import UserFactory
from kam.users.models import Role


def cockpit_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home"))
    return len(queries), page.content.decode()


def test_leaders_share_one_rendering_per_run(client, leader, portfolio):
    other_leader = UserFactory(role=Role.LEADERSHIP)

    first, first_page = cockpit_queries(client, leader)
    second, second_page = cockpit_queries(client, other_leader)

    assert second < first
    assert "Carol Groß AG" in first_page and "Carol Groß AG" in second_page


def test_a_key_account_manager_never_gets_the_leaders_rendering(client, leader, alice, portfolio):
    cockpit_queries(client, leader)

    _, alices_page = cockpit_queries(client, alice)

    assert "Carol Groß AG" not in alices_page
    assert "Alpha Maschinen" in alices_page


def test_a_new_run_is_rendered_afresh(client, leader, portfolio):
    cockpit_queries(client, leader)
    result = portfolio["results"][0]
    result.account.name = "Umbenannt nach dem Lauf"
    result.account.save()
    run = portfolio["run"]
    run.finished_at = run.finished_at.replace(year=run.finished_at.year + 1)
    run.save()

    _, page = cockpit_queries(client, leader)

    assert "Umbenannt nach dem Lauf" in page


def test_another_period_of_the_same_accounts_reuses_tomorrow_and_the_portfolio(
    client, alice, portfolio, monkeypatch
):
    """Tomorrow's top and the portfolio matrix show the run's stored figures whatever the
    period: rendered once for the same accounts, afresh for other accounts."""
    calls = []
    for name in ("tomorrow_top", "portfolio_bubbles"):
        original = getattr(selectors, name)

        def counted(scope, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(scope, **kwargs)

        monkeypatch.setattr(selectors, name, counted)
    periods = [value for value, _label in period_choices(portfolio["run"].as_of)][:3]
    client.force_login(alice)

    pages = [client.get(reverse("home"), {"period": period}).content.decode() for period in periods]
    assert calls == ["tomorrow_top", "portfolio_bubbles"]
    client.get(reverse("home"), {"period": periods[1], "status": "key_account"})

    assert calls == ["tomorrow_top", "portfolio_bubbles"] * 2
    assert all("Alpha Maschinen" in page for page in pages)
    chart = reverse("cockpit:chart_portfolio")
    assert all(f'data-chart-url="{chart}"' in page for page in pages)  # no period in its query
