"""The referral and reference data replace the typed-in "reference value" rating in the score."""

from datetime import date

import numpy as np
import pytest

from kam.analysis.models import AccountRating
from kam.core.plugins import analysis_ratings
from kam.referrals.tests.factories import fact, refer
from kam.testing.factories import AccountFactory
from kam_analytics.scoring import overlay_ratings, ratings_from_data


def test_data_ratings_replace_typed_ones_only_where_data_exists():
    typed = np.array([5.0, np.nan, 2.0])
    from_data = ratings_from_data(np.array([np.nan, 10.0, 30.0]))

    assert overlay_ratings(typed, from_data).tolist() == [5.0, 1.0, 5.0]


@pytest.mark.django_db
def test_the_referrer_who_brought_more_margin_gets_the_higher_reference_rating(alice):
    big, small, referred_a, referred_b = (AccountFactory(owner=alice) for _ in range(4))
    refer(big, referred_a)
    refer(small, referred_b)
    fact(referred_a, date(2026, 3, 1), 500_000, 200_000)
    fact(referred_b, date(2026, 3, 1), 50_000, 10_000)
    AccountRating.objects.create(account=small, reference_value=5)

    ratings = analysis_ratings(as_of=date(2026, 6, 30))["reference_value"]

    assert ratings[big.pk] > ratings[small.pk]
    assert referred_a.pk not in ratings  # no data: its typed rating (if any) stays
