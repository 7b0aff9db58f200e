"""The type-ahead pickers: endpoints scoped like every read, the widget in the forms."""

import pytest
from django.urls import reverse

from kam.accounts.models import Account
from kam.activities.forms import ActivityForm
from kam.complaints.forms import AccountChoiceForm, ComplaintForm
from kam.search.widgets import Picker
from kam.testing.factories import AccountFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def values(response) -> list[str]:
    return [option.value for option in response.context["options"]]


@pytest.fixture
def world(alice, carol):
    own = AccountFactory(owner=alice, name="Böhm Süd", customer_number="100")
    foreign = AccountFactory(owner=carol, name="Böhm Nord", customer_number="200")
    return {
        "own": own,
        "foreign": foreign,
        "own_person": StakeholderFactory(account=own, last_name="Jäger", first_name="Jörg"),
        "foreign_person": StakeholderFactory(account=foreign, last_name="Jäger", first_name="Ina"),
    }


def test_the_account_picker_offers_visible_accounts_only(client, alice, world):
    client.force_login(alice)

    response = client.get(reverse("search:pick_accounts"), {"q": "bohm"})

    assert values(response) == [str(world["own"].pk)]
    assert 'data-label="Böhm Süd (100)"' in response.content.decode()


def test_the_stakeholder_picker_is_scoped_and_filters_by_account(client, alice, leader, world):
    client.force_login(alice)
    url = reverse("search:pick_stakeholders")

    assert values(client.get(url, {"q": "jaeger"})) == [str(world["own_person"].pk)]
    assert values(client.get(url, {"q": "jager", "account": world["foreign"].pk})) == []
    client.force_login(leader)
    assert values(client.get(url, {"q": "jager", "account": world["foreign"].pk})) == [
        str(world["foreign_person"].pk)
    ]


def test_the_user_picker_finds_colleagues_by_any_spelling(client, alice):
    colleague = UserFactory(first_name="Jürgen", last_name="Weiß", username="jweiss")
    UserFactory(first_name="Jürgen", last_name="Alt", username="old", is_active=False)
    client.force_login(alice)

    response = client.get(reverse("search:pick_users"), {"q": "juergen weiss"})

    assert values(response) == [str(colleague.pk)]


def test_picker_options_are_escaped(client, leader):
    AccountFactory(name='<img src=x onerror="alert(1)">', customer_number="666")
    client.force_login(leader)

    body = client.get(reverse("search:pick_accounts"), {"q": "img"}).content.decode()

    assert "<img" not in body and "&lt;img" in body


def test_an_empty_or_one_letter_query_offers_nothing(client, leader, world):
    client.force_login(leader)

    for query in ("", "b"):
        assert values(client.get(reverse("search:pick_accounts"), {"q": query})) == []


def test_the_complaint_account_choice_is_a_picker_that_loads_no_list(alice, world):
    form = AccountChoiceForm(accounts=Account.objects.all())

    html = str(form["account"])

    assert isinstance(form.fields["account"].widget, Picker)
    assert 'role="combobox"' in html and "Böhm" not in html  # no list of every customer


def test_a_picked_account_outside_the_scope_is_refused(alice, world):
    from kam.accounts.selectors import accounts_visible_to

    form = AccountChoiceForm({"account": world["foreign"].pk}, accounts=accounts_visible_to(alice))

    assert not form.is_valid() and "account" in form.errors


def test_the_stakeholder_picker_shows_the_chosen_name_again(alice, world):
    form = ComplaintForm(
        {"stakeholder": world["own_person"].pk}, account=world["own"], instance=None
    )

    html = str(form["stakeholder"])

    assert 'value="Jörg Jäger"' in html and f"account={world['own'].pk}" in html


def test_activity_participants_are_chosen_by_several_pickers(alice, bob, world):
    form = ActivityForm(
        {
            "kind": "visit",
            "status": "done",
            "starts_at": "2026-03-02T10:00",
            "duration_minutes": "60",
            "subject": "Besuch",
            "participants": [str(alice.pk), str(bob.pk)],
            "stakeholders": [str(world["own_person"].pk)],
        },
        account=world["own"],
    )

    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["participants"]) == {alice, bob}
    assert list(form.cleaned_data["stakeholders"]) == [world["own_person"]]
    html = str(form["participants"])
    assert html.count('type="hidden" name="participants"') == 2


def test_a_foreign_stakeholder_cannot_be_slipped_into_an_activity(alice, world):
    form = ActivityForm(
        {
            "kind": "visit",
            "status": "done",
            "starts_at": "2026-03-02T10:00",
            "duration_minutes": "60",
            "subject": "Besuch",
            "stakeholders": [str(world["foreign_person"].pk)],
        },
        account=world["own"],
    )

    assert not form.is_valid() and "stakeholders" in form.errors


def test_the_parent_company_picker_answers_and_shows_the_parent(client, alice, world):
    child = AccountFactory(owner=alice, parent=world["own"], customer_number="101")
    client.force_login(alice)

    page = client.get(reverse("accounts:update", kwargs={"pk": child.pk})).content.decode()
    options = client.get(reverse("accounts:autocomplete"), {"q": "bohm"})

    assert options.status_code == 200 and values_of(options) == ["100"]
    assert 'value="100 Böhm Süd"' in page


def values_of(response) -> list[str]:
    return [option["value"] for option in response.context["options"]]


def test_the_user_picker_offers_only_the_users_the_field_accepts(client, alice, sam):
    """The account owner's picker lists those who may own accounts (kam.core.permissions)."""
    client.force_login(alice)

    response = client.get(
        reverse("search:pick_users"), {"q": sam.first_name, "list": "can_own_accounts"}
    )
    every_role = client.get(reverse("search:pick_users"), {"q": sam.first_name})

    assert str(sam.pk) not in values(response) and str(sam.pk) in values(every_role)
