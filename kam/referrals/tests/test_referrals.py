"""Recording and following up referrals; visibility; the reference fatigue guard."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from kam.accounts.models import Account
from kam.referrals import selectors, services
from kam.referrals.models import (
    ReferenceOutcome,
    ReferenceProfile,
    ReferenceRequest,
    Referral,
    ReferralStatus,
)
from kam.referrals.tests.factories import fact, refer
from kam.testing.factories import AccountFactory, StakeholderFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


def test_a_referral_for_a_new_company_creates_a_prospect_with_its_contact(client, alice):
    referrer = AccountFactory(owner=alice)
    client.force_login(alice)

    response = client.post(
        reverse("referrals:create", kwargs={"pk": referrer.pk}),
        {
            "prospect_name": "Neukunde <b>GmbH</b>",
            "prospect_city": "Köln",
            "contact_last_name": "Yılmaz",
            "contact_email": "y@example.com",
            "received_on": "2026-11-02",
            "channel": "event",
        },
    )

    referral = Referral.objects.get()
    assert response.status_code == 302
    prospect = referral.referred_account
    assert prospect.name == "Neukunde <b>GmbH</b>" and prospect.customer_number == "INT-00001"
    assert prospect.owner == alice and referral.created_prospect
    assert prospect.stakeholders.get().last_name == "Yılmaz"
    assert referral.events.get().to_status == ReferralStatus.RECEIVED
    page = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk})).content.decode()
    assert "Neukunde &lt;b&gt;GmbH&lt;/b&gt;" in page and "<b>GmbH" not in page


def test_the_form_refuses_neither_or_both_and_a_future_date(client, alice):
    referrer, other = AccountFactory(owner=alice), AccountFactory(owner=alice)
    client.force_login(alice)
    url = reverse("referrals:create", kwargs={"pk": referrer.pk})

    neither = client.post(url, {"received_on": "2026-01-05", "channel": "phone"})
    both = client.post(
        url,
        {
            "referred_number": other.customer_number,
            "prospect_name": "X",
            "received_on": "2999-01-05",
            "channel": "phone",
        },
    )

    assert neither.status_code == 200 and both.status_code == 200
    assert "Bitte entweder die Nummer eines bestehenden Kunden" in neither.content.decode()
    assert both.context["form"].errors["received_on"]
    assert not Referral.objects.exists()


def test_an_account_cannot_refer_itself_nor_the_same_company_twice(alice):
    referrer, referred = AccountFactory(owner=alice), AccountFactory(owner=alice)
    refer(referrer, referred)

    with pytest.raises(ValidationError):
        refer(referrer, referrer)
    with pytest.raises(ValidationError):
        refer(referrer, referred)
    assert Referral.objects.count() == 1


def test_the_status_moves_only_along_the_flow_and_logs_each_move(alice):
    referral = refer(AccountFactory(owner=alice), AccountFactory(owner=alice), user=alice)

    with pytest.raises(ValidationError):
        services.referral_transition(
            referral=referral, to_status=ReferralStatus.CUSTOMER, user=alice
        )
    with pytest.raises(ValidationError):  # lost needs a reason
        services.referral_transition(referral=referral, to_status=ReferralStatus.LOST, user=alice)
    for status in (ReferralStatus.CONTACTED, ReferralStatus.OFFER, ReferralStatus.CUSTOMER):
        services.referral_transition(referral=referral, to_status=status, user=alice)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CUSTOMER
    assert [e.to_status for e in referral.events.all()] == [
        "received",
        "contacted",
        "offer",
        "customer",
    ]


def test_becoming_a_customer_gives_the_prospect_its_erp_number_so_its_sales_count(alice):
    referrer = AccountFactory(owner=alice)
    prospect = services.prospect_create(name="Neu AG", owner=alice)
    referral = refer(referrer, prospect, on=date(2026, 1, 5))
    services.referral_transition(referral=referral, to_status=ReferralStatus.CONTACTED, user=alice)

    services.referral_transition(
        referral=referral, to_status=ReferralStatus.CUSTOMER, user=alice, customer_number="40711"
    )
    fact(Account.objects.get(customer_number="40711"), date(2026, 3, 1), 100_000, 25_000)

    assert (
        selectors.multiplier_value(referrer, as_of=date(2026, 6, 30)).margin_window_cents == 25_000
    )


def test_a_kam_sees_only_referrals_touching_visible_accounts_and_hidden_ones_anonymised(
    client, alice, carol
):
    mine, theirs, elsewhere = (
        AccountFactory(owner=alice, name="Meine GmbH"),
        AccountFactory(owner=carol, name="Geheim AG"),
        AccountFactory(owner=carol, name="Fremd KG"),
    )
    refer(theirs, mine)
    refer(theirs, elsewhere)
    client.force_login(alice)

    listed = client.get(reverse("referrals:list")).content.decode()
    network = client.get(reverse("referrals:network_data")).json()

    assert "Meine GmbH" in listed and "Geheim AG" not in listed and "Fremd KG" not in listed
    names = sorted(node["name"] for node in network["nodes"])
    assert names == ["Meine GmbH", "ein anderer Kunde"] or names == [
        "Meine GmbH",
        "another customer",
    ]
    hidden = next(node for node in network["nodes"] if node["name"] != "Meine GmbH")
    assert hidden["url"] == "" and str(theirs.pk) != hidden["id"]
    foreign = Referral.objects.get(referred_account=elsewhere)
    assert client.get(reverse("referrals:detail", kwargs={"pk": foreign.pk})).status_code == 404


def test_the_multiplier_value_needs_the_margin_permission_on_the_account_page(client, alice, bob):
    referrer, referred = AccountFactory(owner=alice), AccountFactory(owner=alice)
    TeamMembershipFactory(account=referrer, user=bob)
    refer(referrer, referred)
    fact(referred, date(2026, 3, 1), 123_400, 45_600)
    url = reverse("accounts:detail", kwargs={"pk": referrer.pk})

    with time_machine.travel(date(2026, 7, 15)):
        client.force_login(alice)
        with_margin = client.get(url).content.decode()
        client.force_login(bob)
        without = client.get(url).content.decode()

    assert "456 €" in with_margin and "1.234 €" in with_margin
    assert "456 €" not in without and "1.234 €" in without


def test_the_fatigue_guard_warns_before_a_reference_is_asked_too_often(client, alice):
    reference = AccountFactory(owner=alice)
    ReferenceProfile.objects.create(account=reference, permits_call=True, max_uses_per_quarter=1)
    ReferenceRequest.objects.create(
        reference=reference,
        prospect="Erster Interessent",
        kind="call",
        requested_on=date(2026, 10, 20),
    )
    client.force_login(alice)
    url = reverse("referrals:request_create", kwargs={"pk": reference.pk})
    data = {"prospect": "Zweiter", "kind": "call", "requested_on": "2026-11-02", "outcome": "open"}

    with time_machine.travel(date(2026, 11, 3)):
        warned = client.post(url, data)
        confirmed = client.post(url, {**data, "confirm": "on"})

    assert warned.status_code == 200 and len(warned.context["warnings"]) == 2
    assert confirmed.status_code == 302
    assert ReferenceRequest.objects.filter(prospect="Zweiter").count() == 1


def test_a_reference_kind_the_customer_did_not_permit_cannot_be_requested(alice):
    reference = AccountFactory(owner=alice)
    ReferenceProfile.objects.create(account=reference, permits_logo=True)
    request = ReferenceRequest(
        reference=reference, prospect="P", kind="visit", requested_on=date(2026, 1, 2)
    )

    with pytest.raises(ValidationError):
        services.reference_request_save(request=request)
    assert selectors.reference_warnings(reference, kind="visit", on=date(2026, 1, 2))


def test_reference_search_by_kind_industry_and_region(alice, carol):
    fits = AccountFactory(owner=alice, industry="Chemie", postal_code="50667")
    ReferenceProfile.objects.create(account=fits, permits_visit=True)
    wrong_kind = AccountFactory(owner=alice, industry="Chemie", postal_code="50667")
    ReferenceProfile.objects.create(account=wrong_kind, permits_logo=True)
    hidden = AccountFactory(owner=carol, industry="Chemie", postal_code="50667")
    ReferenceProfile.objects.create(account=hidden, permits_visit=True)

    found = selectors.reference_search(
        alice, kind="visit", industry="chem", region="50", on=date(2026, 1, 1)
    )

    assert [profile.account for profile, _ in found] == [fits]


def test_reference_values_count_served_and_won(alice):
    reference = AccountFactory(owner=alice)
    for outcome in (ReferenceOutcome.WON, ReferenceOutcome.LOST, ReferenceOutcome.DECLINED):
        ReferenceRequest.objects.create(
            reference=reference,
            prospect="P",
            kind="call",
            requested_on=date(2026, 1, 2),
            outcome=outcome,
        )

    value = selectors.reference_values()[reference.pk]

    assert (value.served, value.won) == (2, 1)


def test_the_reference_profile_takes_only_the_accounts_own_stakeholders(alice):
    account = AccountFactory(owner=alice)
    foreign = StakeholderFactory()
    profile = ReferenceProfile(account=account)

    with pytest.raises(ValidationError):
        services.reference_profile_save(profile=profile, stakeholders=[foreign])


def test_a_referral_untouched_for_too_long_waits_in_its_owners_worklist(alice, settings):
    from kam.core.plugins import worklist

    settings.KAM_REFERRAL_FOLLOW_UP_DAYS = 10
    with time_machine.travel(date(2026, 10, 1)):
        refer(
            AccountFactory(owner=alice), AccountFactory(owner=alice, name="Wartet GmbH"), user=alice
        )
    with time_machine.travel(date(2026, 10, 5)):
        refer(
            AccountFactory(owner=alice), AccountFactory(owner=alice, name="Frisch KG"), user=alice
        )

    with time_machine.travel(date(2026, 10, 14)):
        items = [item for item in worklist(alice) if item.kind == "referral"]

    assert [item.account_name for item in items] == ["Wartet GmbH"]
    assert items[0].due == date(2026, 10, 11)


def test_the_account_tab_costs_two_queries_without_referrals_and_six_with(
    rf, alice, django_assert_num_queries
):
    from kam.referrals.panels import account_panels

    quiet, busy = AccountFactory(owner=alice), AccountFactory(owner=alice)
    refer(busy, AccountFactory(owner=alice))
    request = rf.get("/")
    request.user = alice
    for account in (quiet, busy):
        assert account_panels(request, account)  # warm the edit-right answer on the account

    with django_assert_num_queries(2):
        account_panels(request, quiet)
    with django_assert_num_queries(6):
        account_panels(request, busy)
