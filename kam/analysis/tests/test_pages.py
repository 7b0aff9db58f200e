"""The analysis pages as users meet them: settings, proposals, ratings, the account panel."""

import pytest
from django.urls import reverse

from kam.accounts.models import KeyAccountStatus
from kam.analysis.models import AccountRating, AnalysisRun, AnalysisSettings, StatusProposal
from kam.analysis.services import analysis_run
from kam.analysis.tests.conftest import AS_OF
from kam.analysis.tests.factories import make_proposal
from kam.core.permissions import can_view_margins
from kam.testing.factories import AccountFactory, TeamMembershipFactory, UserFactory
from kam.users.models import Role


def test_settings_refuse_an_a_limit_above_the_b_limit(client, leader):
    client.force_login(leader)
    data = {f.name: getattr(AnalysisSettings(), f.name) for f in AnalysisSettings._meta.fields}
    data |= {"abc_a_limit": "96", "abc_b_limit": "95"}
    data.pop("id"), data.pop("updated_at")

    response = client.post(reverse("analysis:settings"), data)

    assert response.status_code == 200
    assert "Die B-Grenze darf nicht unter der A-Grenze liegen" in response.content.decode()
    assert AnalysisSettings.objects.get().abc_a_limit == 80


def test_settings_are_saved_with_history(client, leader):
    client.force_login(leader)
    data = {f.name: getattr(AnalysisSettings(), f.name) for f in AnalysisSettings._meta.fields}
    data |= {"weight_potential": 30}
    data.pop("id"), data.pop("updated_at")

    response = client.post(reverse("analysis:settings"), data)

    assert response.status_code == 302
    assert AnalysisSettings.objects.get().weight_potential == 30
    assert AnalysisSettings.history.count() == 2  # created with defaults, then changed


def test_start_now_runs_an_analysis(client, leader, portfolio):
    client.force_login(leader)

    client.post(reverse("analysis:run_now"))

    run = AnalysisRun.objects.get()
    assert (run.trigger, run.started_by) == ("manual", leader)


def test_proposal_list_shows_only_visible_accounts(
    client, alice, carol, django_assert_max_num_queries
):
    for _ in range(5):
        make_proposal(AccountFactory(owner=alice))
    hidden = make_proposal(AccountFactory(owner=carol, name="Geheim GmbH"))
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("analysis:proposals"))

    assert len(response.context["page"]) == 5
    assert hidden.account.name not in response.content.decode()


def test_proposal_list_filters_by_state_and_search(client, alice):
    open_one = make_proposal(AccountFactory(owner=alice, name="Offen AG"))
    decided = make_proposal(AccountFactory(owner=alice, name="Erledigt AG"))
    StatusProposal.objects.filter(pk=decided.pk).update(state="declined")
    client.force_login(alice)

    declined = client.get(reverse("analysis:proposals"), {"state": "declined"})
    searched = client.get(reverse("analysis:proposals"), {"state": "all", "q": "offen"})

    assert [p.pk for p in declined.context["page"]] == [decided.pk]
    assert [p.pk for p in searched.context["page"]] == [open_one.pk]


def test_confirm_from_the_list_changes_the_status(client, alice):
    proposal = make_proposal(AccountFactory(owner=alice))
    client.force_login(alice)

    client.post(reverse("analysis:proposal_confirm", kwargs={"pk": proposal.pk}))

    proposal.account.refresh_from_db()
    assert proposal.account.status == KeyAccountStatus.CANDIDATE


def test_rating_form_saves_ratings_with_history(client, alice):
    account = AccountFactory(owner=alice)
    client.force_login(alice)

    url = reverse("analysis:rating", kwargs={"pk": account.pk})
    client.post(url, {"potential": "5", "strategic_fit": "2"})
    client.post(url, {"potential": "4", "strategic_fit": ""})

    rating = AccountRating.objects.get(account=account)
    assert (rating.potential, rating.strategic_fit, rating.updated_by) == (4, None, alice)
    assert rating.history.count() == 2


def test_rating_form_refuses_a_value_outside_one_to_five(client, alice):
    account = AccountFactory(owner=alice)
    client.force_login(alice)

    response = client.post(
        reverse("analysis:rating", kwargs={"pk": account.pk}), {"potential": "9"}
    )

    assert response.status_code == 200
    assert "Potenzial" in response.content.decode()
    assert "keine gültige Auswahl" in response.content.decode()
    assert not AccountRating.objects.exists()


@pytest.fixture
def analysed(portfolio):
    analysis_run(as_of=AS_OF)
    return portfolio


def panel_html(client, user, account) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:detail", kwargs={"pk": account.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_panel_shows_classes_score_and_forecast(client, alice, analysed):
    html = panel_html(client, alice, analysed["big"])

    assert "Umsatz, 12 Monate" in html and "600.000,00 €" in html
    assert "Prognose Umsatz, 12 Monate" in html
    assert "Verlauf je Analyse" in html


def test_panel_hides_margins_from_users_without_the_permission(client, alice, analysed):
    rep = UserFactory(role=Role.FIELD_SALES, manager=alice)
    TeamMembershipFactory(account=analysed["big"], user=rep)
    assert not can_view_margins(rep)

    with_margins = panel_html(client, alice, analysed["big"])
    without = panel_html(client, rep, analysed["big"])

    assert "Deckungsbeitrag, 12 Monate" in with_margins and "60.000,00 €" in with_margins
    assert "Deckungsbeitrag" not in without and "60.000,00 €" not in without
