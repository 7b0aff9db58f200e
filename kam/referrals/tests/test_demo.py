import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from kam.referrals import selectors
from kam.referrals.models import ReferenceProfile, Referral, ReferralStatus
from kam.users.models import User


@pytest.mark.django_db
def test_the_demo_has_referrals_that_brought_business_and_prospects_to_follow_up():
    call_command("demo", "--accounts", "80", "--seed", "3", stdout=io.StringIO())
    leader = User.objects.get(username="leitung")

    values = selectors.multiplier_values(as_of=timezone.localdate())

    assert Referral.objects.filter(status=ReferralStatus.CUSTOMER).exists()
    assert any(value.margin_total_cents > 0 for value in values.values())
    assert (
        Referral.objects.filter(
            created_prospect=True, status__in=["received", "contacted", "offer"]
        ).count()
        == 6
    )
    assert ReferenceProfile.objects.count() > 0
    assert selectors.referral_network(leader)["edges"]


@pytest.mark.django_db
def test_the_demo_has_a_whitespace_grid_with_competitors():
    from kam.referrals import potential
    from kam.referrals.models import WhitespaceCell

    call_command("demo", "--accounts", "60", "--seed", "5", stdout=io.StringIO())
    leader = User.objects.get(username="leitung")
    cell = WhitespaceCell.objects.select_related("account").first()

    grid = potential.whitespace_grid(leader, cell.account, as_of=timezone.localdate())

    assert grid.groups and any(c.revenue_cents for _, cells in grid.rows for c in cells)
    assert any(
        row.positions for row in potential.competitor_overview(leader, as_of=timezone.localdate())
    )
