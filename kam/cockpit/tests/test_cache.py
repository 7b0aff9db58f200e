"""The cockpit renders a run's figures once per kind of viewer and serves them from the cache."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
