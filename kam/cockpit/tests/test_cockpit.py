"""The start page per role: figures from the stored results, scoped to what the viewer sees."""

import pytest
from django.urls import reverse

from kam.analysis.models import ProposalState
from kam.analysis.tests.factories import make_proposal, make_run
from kam.cockpit.tests.factories import make_result
from kam.testing.factories import AccountFactory, StakeholderFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db


def cockpit_html(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_leadership_sees_company_revenue_by_abc_class_and_concentration(client, leader, portfolio):
    html = cockpit_html(client, leader)

    assert 'data-figure="revenue">1.000.000 €' in html
    assert "400.000 €" in html  # class A: carol's big account
    assert 'id="concentration-table"' in html
    assert "40,0 %" in html  # top-1 share of the run


def test_kam_sees_only_her_accounts_with_their_share_of_the_company(client, alice, portfolio):
    html = cockpit_html(client, alice)

    assert 'data-figure="revenue">540.000 €' in html  # 300k + 200k + 40k
    assert "54,0 % des Unternehmens" in html
    assert "Carol Groß AG" not in html
    assert 'id="concentration-table"' not in html


def test_tomorrows_top_shows_rank_forecast_and_change(client, leader, portfolio):
    html = cockpit_html(client, leader)

    top = html[html.index('id="tomorrow"') :]
    assert top.index("Gamma Handel") < top.index("Carol Groß AG")  # tomorrow's ranks reversed
    assert "+4" in top  # Gamma: rank 5 today, 1 tomorrow


def test_rising_and_falling_accounts_by_change_in_euros(client, leader, portfolio):
    falling_account = portfolio["accounts"][4]
    portfolio["results"][4].revenue_prev_12m_cents = 90_000 * 100
    portfolio["results"][4].save()

    html = cockpit_html(client, leader)

    movers = html[html.index('id="movers"') :]
    falling = movers[movers.index("bi-graph-down-arrow") :]
    assert falling_account.name in falling
    assert "-50.000 €" in falling or "−50.000 €" in falling


def test_users_without_the_margin_permission_see_no_margins(client, portfolio):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)

    html = cockpit_html(client, viewer)

    assert 'data-figure="margin"' not in html
    assert "250.000 €" not in html  # the company's margin
    assert "Marge" not in html


def test_service_sees_accounts_with_status_and_stakeholders_and_no_figures(client, sam, portfolio):
    StakeholderFactory(account=portfolio["accounts"][1], first_name="Greta", last_name="Einkauf")

    html = cockpit_html(client, sam)

    assert "Greta Einkauf" in html
    assert "Alpha Maschinen" in html
    assert "€" not in html


def test_service_list_filters_by_status_in_the_url(client, sam, portfolio):
    AccountFactory(name="Strategisch GmbH", status="strategic")
    client.force_login(sam)

    html = client.get(reverse("home"), {"status": "strategic"}).content.decode()

    assert "Strategisch GmbH" in html
    assert "Alpha Maschinen" not in html


def test_without_an_analysis_the_cockpit_explains_what_comes(client, leader):
    html = cockpit_html(client, leader)

    assert "Noch keine Analyse gelaufen" in html


def test_dependency_alert_links_to_the_loss_scenario(client, leader, portfolio):
    big = portfolio["accounts"][0]
    run = portfolio["run"]
    run.alerts = [
        {
            "kind": "dependency",
            "account_id": big.pk,
            "number": big.customer_number,
            "name": big.name,
            "group": False,
            "measure": "revenue",
            "share": 0.4,
            "threshold": 0.1,
        }
    ]
    run.save()

    html = cockpit_html(client, leader)

    assert reverse("cockpit:loss", kwargs={"pk": big.pk}) in html


def test_kam_alerts_name_dropped_accounts_and_open_proposals(client, alice, portfolio):
    alpha = portfolio["accounts"][1]
    before = make_run(as_of=portfolio["run"].as_of.replace(month=3, day=31))
    make_result(before, alpha, revenue=300_000, p_alive=0.95)
    portfolio["results"][1].p_alive = 0.5
    portfolio["results"][1].save()
    proposal = make_proposal(portfolio["accounts"][2], portfolio["run"])

    html = cockpit_html(client, alice)

    alerts = html[html.index('id="action-alerts"') :]
    assert alpha.name in alerts[alerts.index('id="alert-dropped"') :]
    proposals = alerts[alerts.index('id="alert-proposals"') :]
    assert "Beta Logistik" in proposals
    assert reverse("analysis:proposal_confirm", kwargs={"pk": proposal.pk}) in proposals


def test_confirming_a_proposal_from_the_cockpit_changes_the_status(client, alice, portfolio):
    proposal = make_proposal(portfolio["accounts"][2], portfolio["run"])
    client.force_login(alice)

    response = client.post(
        reverse("analysis:proposal_confirm", kwargs={"pk": proposal.pk}), {"next": "/"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.CONFIRMED


def test_kam_sees_breached_complaints_of_her_accounts(client, alice, portfolio):
    from datetime import timedelta

    from django.utils import timezone

    from kam.complaints.tests.factories import make_complaint

    complaint = make_complaint(portfolio["accounts"][1], subject="Lieferung beschädigt")
    type(complaint).objects.filter(pk=complaint.pk).update(
        resolve_due=timezone.now() - timedelta(days=2)
    )

    html = cockpit_html(client, alice)

    assert "Lieferung beschädigt" in html[html.index('id="alert-complaints"') :]


def test_kam_sees_accounts_with_rising_complaints(client, alice, portfolio):
    from datetime import timedelta

    from django.utils import timezone

    from kam.complaints.tests.factories import make_complaint

    rising, steady = portfolio["accounts"][1], portfolio["accounts"][2]
    now = timezone.now()
    for days_ago in (5, 20, 40):
        make_complaint(rising, received_at=now - timedelta(days=days_ago))
    for days_ago in (10, 30, 100, 120):
        make_complaint(steady, received_at=now - timedelta(days=days_ago))

    html = cockpit_html(client, alice)

    section = html[html.index('id="alert-rising-complaints"') :].split("</ul>")[0]
    assert rising.name in section
    assert steady.name not in section


@pytest.mark.parametrize("size", [3, 30])
def test_cockpit_query_count_does_not_grow_with_accounts(
    client, leader, alice, size, django_assert_max_num_queries
):
    from kam.cockpit.tests.factories import analysed_portfolio

    accounts = [AccountFactory(owner=alice) for _ in range(size)]
    run, _ = analysed_portfolio(accounts)
    make_proposal(accounts[0], run)
    for user in (leader, alice):
        client.force_login(user)
        # 25 for the sections, up to 5 for the filter form's choices, 2 for reading the
        # viewer's accounts and those they may edit once (a few per page, not per account).
        with django_assert_max_num_queries(32):
            assert client.get(reverse("home")).status_code == 200


def test_service_cockpit_query_count_is_bounded(client, sam, django_assert_max_num_queries):
    for _ in range(20):
        StakeholderFactory(account=AccountFactory())
    client.force_login(sam)

    with django_assert_max_num_queries(10):
        assert client.get(reverse("home")).status_code == 200


def test_a_breached_complaint_shows_the_deadline_it_missed(client, alice, portfolio):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from kam.complaints.tests.factories import make_complaint

    late_answer = make_complaint(portfolio["accounts"][1], subject="Ohne Eingangsbestätigung")
    late_solution = make_complaint(portfolio["accounts"][2], subject="Ohne Lösung")
    now = timezone.now().replace(microsecond=0)
    type(late_answer).objects.filter(pk=late_answer.pk).update(
        acknowledged_at=None,
        acknowledge_due=now - timedelta(hours=5),
        resolve_due=now + timedelta(days=9),
    )
    type(late_solution).objects.filter(pk=late_solution.pk).update(
        acknowledged_at=now - timedelta(days=6), resolve_due=now - timedelta(days=2)
    )

    with time_machine.travel(now, tick=False):
        html = cockpit_html(client, alice)
    alerts = html[html.index('id="alert-complaints"') :]

    def shown(when):
        return timezone.localtime(when).strftime("%d.%m.%Y %H:%M")

    answer = alerts[alerts.index("Ohne Eingangsbestätigung") :]
    solution = alerts[alerts.index("Ohne Lösung") :]
    assert f"Eingangsbestätigung war fällig am {shown(now - timedelta(hours=5))}" in answer
    assert shown(now + timedelta(days=9)) not in alerts
    assert f"Lösung war fällig am {shown(now - timedelta(days=2))}" in solution


def test_the_portfolio_table_rounds_formats_and_escapes_each_account(client, leader, portfolio):
    result = portfolio["results"][0]
    result.attractiveness, result.position = 62.5, 48.49
    result.save()
    result.account.name = "<b>Carol</b> & Söhne"
    result.account.save()

    html = cockpit_html(client, leader)

    table = html[html.index('id="portfolio"') :]
    url = reverse("accounts:detail", args=[result.account_id])
    assert f'<a href="{url}">&lt;b&gt;Carol&lt;/b&gt; &amp; Söhne</a>' in table
    assert '<td class="num">63</td>' in table and '<td class="num">48</td>' in table
    assert "400.000 €" in table and "Star" in table
