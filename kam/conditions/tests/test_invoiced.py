"""Invoiced prices against agreements: known deviations found by the set-based check; annual
bonus progress."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from kam.conditions import invoiced
from kam.conditions.bonus import bonus_for_account
from kam.conditions.models import AgreedPrice, BonusTier, PriceDeviation
from kam.conditions.pricing import bonus_progress, discount_cost
from kam.conditions.tests import factories as f
from kam.sales.models import MonthlyFact, SalesLine
from kam.testing.factories import AccountFactory, sales_line

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


def sale(account, number, product, quantity, cents, day=datetime.date(2026, 3, 10)):
    return sales_line(
        account, product=product, cents=cents, day=day, quantity=quantity, invoice=f"R-{number}"
    )


@pytest.fixture
def agreed():
    top = AccountFactory(name="Konzern")
    member = AccountFactory(name="Tochter", parent=top)
    cable = f.product("A-1", price="100.00")
    agreement = f.agreement(top, members=True)
    f.line(agreement, product=cable, price="90.00", tiers=[("100", "80.00", None)])
    return top, member, cable


def test_known_deviations_are_found_per_account_product_and_month(agreed):
    top, member, cable = agreed
    sale(member, 1, "A-1", "10", 95_000)  # 95,00 instead of 90,00: overcharged 50,00
    sale(member, 2, "A-1", "10", 90_500)  # within the 1 % tolerance
    sale(member, 3, "A-1", "100", 8_000_00)  # tier price 80,00: correct
    sale(member, 4, "A-1", "100", 7_500_00)  # 75,00 instead of 80,00: undercharged 500,00
    sale(top, 5, "A-1", "2", 17_000, day=datetime.date(2026, 4, 2))  # 85,00: undercharged
    sale(member, 6, "A-1", "5", 50_000, day=datetime.date(2025, 12, 1))  # before the agreement
    sale(member, 7, "B-2", "5", 99_999)  # no agreement for the product
    assert invoiced.agreed_prices_refresh(today=TODAY) == 4  # two accounts × two tiers
    assert invoiced.price_check_run() == 2
    rows = {(row.account_id, row.month.month): row for row in PriceDeviation.objects.all()}
    march = rows[(member.pk, 3)]
    assert (march.overcharged_lines, march.overcharged_cents) == (1, 5_000)
    assert (march.undercharged_lines, march.undercharged_cents) == (1, 50_000)
    april = rows[(top.pk, 4)]
    assert (april.undercharged_lines, april.undercharged_cents) == (1, 1_000)
    lines = invoiced.deviating_lines(account_ids=[member.pk])
    assert [(line.invoice_number, line.difference) for line in lines] == [
        ("R-1", Decimal("50.00")),
        ("R-4", Decimal("-500.00")),
    ]
    assert {line.agreed_unit_price for line in lines} == {Decimal("90.00"), Decimal("80.00")}


def test_bonus_progress_tells_the_next_tier_and_the_revenue_still_needed():
    progress = bonus_progress(
        revenue=Decimal("120000"),
        tiers=[(Decimal("100000"), Decimal("1")), (Decimal("200000"), Decimal("2.5"))],
        projected_revenue=Decimal("240000"),
    )
    assert progress.percent == Decimal("1") and progress.accrued == Decimal("1200.00")
    assert (progress.next_from, progress.still_needed) == (Decimal("200000"), Decimal("80000"))
    assert progress.expected == Decimal("6000.00")
    assert discount_cost(
        list_price=Decimal("100"), price=Decimal("90"), quantity=Decimal(3)
    ) == Decimal("30.00")


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False)
def test_a_group_bonus_is_measured_on_the_group_revenue(agreed):
    top, member, _cable = agreed
    agreement = top.agreements.get()
    BonusTier.objects.create(agreement=agreement, from_revenue=Decimal(1000), percent=Decimal(2))
    for account, cents in ((top, 60_000), (member, 60_000)):
        MonthlyFact.objects.create(
            account=account,
            month=datetime.date(2026, 2, 1),
            revenue_cents=cents,
            first_purchase=datetime.date(2026, 2, 3),
            last_purchase=datetime.date(2026, 2, 3),
        )
    [bonus] = bonus_for_account(member, today=TODAY)
    assert bonus.group_wide and bonus.progress.revenue == Decimal("1200.00")
    assert bonus.progress.accrued == Decimal("24.00")


def test_the_set_based_refresh_agrees_with_the_resolution_of_every_row():
    """Group and all-products lines count only for bought products; percent tiers, surcharges,
    the nearest level and the lower price on a tie as resolution.py decides them."""
    from kam.conditions.resolution import resolve_price

    top = AccountFactory(name="Konzern")
    middle = AccountFactory(name="Holding", parent=top)
    plant = AccountFactory(name="Werk", parent=middle)
    kabel = f.group_path("Elektro", "Kabel", "NYM")
    cable = f.product("A-1", price="99.99", group=kabel)
    wire = f.product("A-2", price="10.05", group=kabel)
    f.product("A-3", price="5.00", group=kabel)  # never bought: no row
    group_deal = f.agreement(top, members=True)
    f.line(group_deal, group=kabel.parent, kind="discount", percent="7.5")
    f.line(group_deal, kind="surcharge", percent="3")
    f.line(group_deal, product=cable, price="80.00", tiers=[("50", None, "25")])
    own = f.agreement(plant)
    f.line(own, kind="discount", percent="12.5", tiers=[("10", None, "15")])
    f.line(own, kind="discount", percent="12.4")  # same level: the lower price wins
    for number, product in enumerate(("A-1", "A-2")):
        for account in (top, middle, plant):
            sale(account, f"{account.pk}-{number}", product, "1", 100)
    assert invoiced.agreed_prices_refresh(today=TODAY) > 0
    rows = list(AgreedPrice.objects.all())
    assert {row.product_number for row in rows} == {"A-1", "A-2"}
    accounts = {a.pk: a for a in (top, middle, plant)}
    products = {p.number: p for p in (cable, wire)}
    for row in rows:
        resolution = resolve_price(
            account=accounts[row.account_id_value],
            product=products[row.product_number],
            quantity=max(row.from_quantity, Decimal("0.001")),
            as_of=TODAY,
        )
        assert Decimal(row.price_cents).scaleb(-2) == resolution.price, row
        assert row.agreement_id_value == resolution.winner.agreement_id


def test_the_agreed_amount_of_a_fractional_quantity_is_rounded_half_up(settings):
    """1,99 € × 2,5 = 4,975 €: agreed 4,98 €. With no tolerance 4,98 € is correct, 4,97 € is a
    cent short and 4,99 € a cent too much (exact on both databases, integers on PostgreSQL)."""
    settings.KAM_PRICE_TOLERANCE_PERCENT = "0"
    account = AccountFactory(name="Kunde")
    f.line(f.agreement(account), product=f.product("A-1", price="2.50"), price="1.99")
    sale(account, 1, "A-1", "2.5", 498, day=datetime.date(2026, 3, 10))
    sale(account, 2, "A-1", "2.5", 497, day=datetime.date(2026, 4, 10))
    sale(account, 3, "A-1", "2.5", 499, day=datetime.date(2026, 5, 10))
    sale(account, 4, "A-1", "0.333", 66, day=datetime.date(2026, 5, 11))  # 66,267 ct: correct
    invoiced.agreed_prices_refresh(today=TODAY)
    assert invoiced.price_check_run() == 2
    sums = {
        row.month.month: (row.overcharged_cents, row.undercharged_cents)
        for row in PriceDeviation.objects.all()
    }
    assert sums == {4: (0, 1), 5: (1, 0)}


def test_the_tolerance_and_the_agreed_amount_are_rounded_half_up_on_both_databases(settings):
    """1 % of 1,50 € is 1,5 ct: 2 ct allowed, so 1,52 € passes and 1,53 € does not; 1,50 € ×
    0,29 is 43,5 ct: 44 ct agreed, so 44 ct passes with no tolerance."""
    account = AccountFactory(name="Kunde")
    f.line(f.agreement(account), product=f.product("A-1", price="2.00"), price="1.50")
    sale(account, 1, "A-1", "1", 152, day=datetime.date(2026, 3, 10))
    sale(account, 2, "A-1", "1", 153, day=datetime.date(2026, 4, 10))
    invoiced.agreed_prices_refresh(today=TODAY)
    assert invoiced.price_check_run() == 1
    assert PriceDeviation.objects.get().month == datetime.date(2026, 4, 1)
    settings.KAM_PRICE_TOLERANCE_PERCENT = "0"
    SalesLine.objects.all().delete()
    sale(account, 3, "A-1", "0.29", 44, day=datetime.date(2026, 5, 10))
    assert invoiced.price_check_run() == 0
