"""Resolution order: account before group ancestors before list price; product before product
group before all products; deterministic and explained."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.conditions.pricing import Candidate, Terms, Tier, choose, net_price
from kam.conditions.resolution import explain, resolve_price
from kam.conditions.tests import factories as f
from kam.testing.factories import AccountFactory


@pytest.fixture
def group(db):
    top = AccountFactory(name="Konzern AG")
    middle = AccountFactory(name="Holding Süd", parent=top)
    leaf = AccountFactory(name="Werk Ulm", parent=middle)
    return top, middle, leaf


@pytest.fixture
def cable(db):
    return f.product("A-1", price="100.00", group=f.group_path("Elektro", "Kabel", "NYM"))


def resolve(account, product, quantity="1"):
    return resolve_price(
        account=account, product=product, quantity=Decimal(quantity), as_of=f.TODAY
    )


def test_without_agreements_the_list_price_holds(group, cable):
    resolution = resolve(group[2], cable)
    assert resolution.winner is None and resolution.price == Decimal("100.00")
    assert "Listenpreis" in explain(resolution)[0] or "list price" in explain(resolution)[0]


def test_the_own_agreement_beats_the_group_and_the_product_beats_the_group(group, cable):
    top, middle, leaf = group
    f.line(f.agreement(top, members=True), product=cable, price="70.00")
    own = f.agreement(leaf, title="Eigen")
    f.line(own, group=cable.group.parent.parent, kind="discount", percent="10")
    f.line(own, group=cable.group, kind="discount", percent="5")
    resolution = resolve(leaf, cable)
    assert resolution.price == Decimal("95.00")  # own, nearest group, although 70 is cheaper
    assert [c.specificity for c in resolution.ranked] == [(0, 1), (0, 3), (2, 0)]
    assert explain(resolution)[0].startswith(("Wins", "Gewinnt"))


def test_a_group_agreement_applies_to_members_only_with_the_flag(group, cable):
    top, middle, leaf = group
    f.line(f.agreement(top, members=False), product=cable, price="70.00")
    assert resolve(leaf, cable).winner is None
    f.line(f.agreement(middle, members=True), product=cable, price="80.00")
    winner = resolve(leaf, cable).winner
    assert winner.price == Decimal("80.00") and winner.account_distance == 1


def test_volume_tiers_take_the_highest_tier_reached(group, cable):
    agreement = f.agreement(group[2])
    f.line(
        agreement, product=cable, price="90.00", tiers=[("100", "85.00", None), ("500", None, "20")]
    )
    assert resolve(group[2], cable, "99").price == Decimal("90.00")
    assert resolve(group[2], cable, "100").price == Decimal("85.00")
    assert resolve(group[2], cable, "1000").price == Decimal("80.00")


def test_inactive_expired_and_future_agreements_do_not_apply(group, cable):
    import datetime

    f.line(f.agreement(group[2], status="draft"), product=cable, price="50.00")
    f.line(f.agreement(group[2], valid_to=datetime.date(2026, 5, 31)), product=cable, price="50.00")
    f.line(
        f.agreement(group[2], valid_from=datetime.date(2026, 7, 1)), product=cable, price="50.00"
    )
    assert resolve(group[2], cable).winner is None


def test_a_tie_is_broken_by_the_lower_price_then_the_older_line(group, cable):
    first = f.line(f.agreement(group[2]), product=cable, price="90.00")
    f.line(f.agreement(group[2]), product=cable, price="95.00")
    assert resolve(group[2], cable).winner.line_id == first.pk


def test_a_surcharge_raises_the_list_price():
    terms = Terms(kind="surcharge", net_price=None, percent=Decimal("5"))
    assert net_price(terms, list_price=Decimal("10.00"), quantity=Decimal(1)) == Decimal("10.50")


def test_a_tier_discount_applies_to_the_list_price():
    terms = Terms("net_price", Decimal("9"), None, (Tier(Decimal(10), None, Decimal("50")),))
    assert net_price(terms, list_price=Decimal("10.00"), quantity=Decimal(10)) == Decimal("5.00")


candidates = st.builds(
    Candidate,
    line_id=st.integers(1, 10_000),
    agreement_id=st.just(1),
    agreement_title=st.just("V"),
    account_id=st.just(1),
    account_name=st.just("K"),
    account_distance=st.integers(0, 4),
    product_rank=st.integers(0, 4),
    price=st.integers(0, 1_000_000).map(lambda cents: Decimal(cents).scaleb(-2)),
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(candidates, min_size=1, max_size=12))
def test_the_winner_is_never_less_specific_than_another_applicable_condition(found):
    winner = choose(found)
    assert all(winner.specificity <= other.specificity for other in found)
    assert choose(list(reversed(found))).order == winner.order  # whatever the order
