"""The business of referred accounts is attributed to the referrers (kam_analytics.multipliers),
read from the sales facts."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.referrals import selectors, services
from kam.referrals.models import ReferralStatus
from kam.referrals.tests.factories import fact, refer
from kam.testing.factories import AccountFactory
from kam_analytics.multipliers import MonthSum, ReferralLink, attribute

AS_OF = date(2026, 6, 30)  # window: July 2025 - June 2026


@pytest.mark.django_db
def test_the_referred_accounts_margin_counts_for_the_referrer_from_the_referral_on(alice):
    referrer, referred = AccountFactory(owner=alice), AccountFactory(owner=alice)
    refer(referrer, referred, on=date(2024, 3, 15))
    fact(referred, date(2024, 2, 1), 50_000, 10_000)  # before the referral: not brought by it
    fact(referred, date(2024, 9, 1), 100_000, 30_000)  # after it, before the window
    fact(referred, date(2026, 1, 1), 200_000, 60_000)  # in the window
    fact(referred, date(2026, 7, 1), 999_999, 99_999)  # after as_of: not yet past

    value = selectors.multiplier_value(referrer, as_of=AS_OF)

    assert value.margin_window == Decimal("600.00")
    assert value.margin_total == Decimal("900.00")
    assert value.revenue_window == Decimal("2000.00")
    assert value.referrals == 1 and value.converted == 0


@pytest.mark.django_db
def test_two_referrers_of_one_company_share_its_business_equally(alice):
    first, second = AccountFactory(owner=alice), AccountFactory(owner=alice)
    referred = AccountFactory(owner=alice)
    refer(first, referred)
    refer(second, referred)
    fact(referred, date(2026, 2, 1), 100_000, 40_000)

    values = selectors.multiplier_values(as_of=AS_OF)

    assert values[first.pk].margin_window_cents == 20_000
    assert values[second.pk].margin_window_cents == 20_000


@pytest.mark.django_db
def test_a_lost_referral_brings_nothing_and_a_customer_counts_as_converted(alice):
    referrer = AccountFactory(owner=alice)
    lost, won = AccountFactory(owner=alice), AccountFactory(owner=alice)
    for referred in (lost, won):
        refer(referrer, referred)
        fact(referred, date(2026, 3, 1), 10_000, 5_000)
    services.referral_transition(
        referral=referrer.referrals_given.get(referred_account=lost),
        to_status=ReferralStatus.LOST,
        user=alice,
        comment="kein Bedarf",
    )
    given_to_won = referrer.referrals_given.get(referred_account=won)
    for status in (ReferralStatus.CONTACTED, ReferralStatus.CUSTOMER):
        services.referral_transition(referral=given_to_won, to_status=status, user=alice)

    value = selectors.multiplier_value(referrer, as_of=AS_OF)

    assert value.referrals == 1  # the lost one is left out
    assert value.converted == 1
    assert value.margin_window_cents == 5_000


months = st.integers(min_value=0, max_value=40)
links = st.lists(
    st.tuples(st.integers(1, 5), st.integers(6, 12), months, st.booleans()),
    max_size=12,
    unique_by=lambda t: (t[0], t[1]),
)
sums = st.dictionaries(
    st.integers(6, 12),
    st.lists(st.tuples(months, st.integers(0, 10**9), st.integers(-(10**8), 10**9)), max_size=8),
)


@settings(deadline=None)
@given(links, sums)
def test_attribution_never_counts_a_referred_companys_business_more_than_once(raw_links, raw_sums):
    """Whatever the referrals, the referrers together get (up to rounding) at most what the
    referred companies earned since their first referral."""
    link_list = [ReferralLink(a, b, m, c) for a, b, m, c in raw_links]
    month_sums = {
        account: [MonthSum(m, r, g) for m, r, g in {m: (m, r, g) for m, r, g in rows}.values()]
        for account, rows in raw_sums.items()
    }
    result = attribute(link_list, month_sums, window_first=0, window_last=40)
    attributed = sum(v.revenue_total_cents for v in result.values())
    referred = {link.referred for link in link_list}
    earned = sum(
        s.revenue_cents
        for account in referred
        for s in month_sums.get(account, [])
        if s.month >= min(link.from_month for link in link_list if link.referred == account)
    )
    assert attributed <= earned + len(link_list) * 41
