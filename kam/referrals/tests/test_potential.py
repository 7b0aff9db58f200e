"""Potential per account and product group, share of wallet, the whitespace grid of a group and
the competitor overview."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kam.analysis.models import AccountRating
from kam.conditions.tests.factories import group_path, product
from kam.core.plugins import analysis_ratings
from kam.referrals import potential, services
from kam.referrals.models import Competitor, WhitespaceCell
from kam.sales.models import SalesLine
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def sell(account, product_number: str, cents: int, month: date = date(2026, 3, 1)) -> None:
    n = SalesLine.objects.count() + 1
    SalesLine.objects.create(
        account=account,
        invoice_number=f"R-{n}",
        line_number=1,
        invoice_date=month,
        invoice_month=month,
        product_number=product_number,
        quantity=1,
        net_revenue_cents=cents,
        margin_cents=cents // 4,
        currency="EUR",
    )


@pytest.fixture
def catalogue():
    product("P-1", group=group_path("Antriebe", "Motoren", "Servo"))
    product("P-2", group=group_path("Sensorik"))
    return potential.top_groups()


def test_the_facts_sum_lines_by_top_level_group_and_month(alice, catalogue):
    account = AccountFactory(owner=alice)
    sell(account, "P-1", 10_000)
    sell(account, "P-1", 5_000)
    sell(account, "P-2", 700)
    sell(account, "UNBEKANNT", 99_999)  # not in the catalogue: no group

    potential.refresh_product_group_facts()
    potential.refresh_product_group_facts()  # idempotent

    revenue = potential.group_revenue(potential.figures.window_as_of(AS_OF))
    antriebe, sensorik = catalogue
    assert revenue == {
        (account.pk, antriebe.pk): (15_000, 3_750),
        (account.pk, sensorik.pk): (700, 175),
    }


def test_peer_potential_share_of_wallet_and_untapped_potential_in_the_grid(alice, catalogue):
    antriebe, _sensorik = catalogue
    group = AccountFactory(owner=alice, name="Konzern", industry="Chemie")
    daughter = AccountFactory(owner=alice, parent=group, industry="Chemie", name="Tochter")
    AccountFactory(owner=alice, parent=daughter, industry="Chemie", name="Enkel")
    peers = [AccountFactory(owner=alice, industry="Chemie") for _ in range(7)]
    for i, peer in enumerate(peers):
        sell(peer, "P-1", (i + 1) * 100_000)  # 1.000 € ... 7.000 €
    sell(daughter, "P-1", 100_000)
    potential.refresh_product_group_facts()

    grid = potential.whitespace_grid(alice, group, as_of=AS_OF)

    assert [member.name for member, _ in grid.rows] == ["Konzern", "Enkel", "Tochter"]
    cell = dict((m.name, cells) for m, cells in grid.rows)["Tochter"][0]
    assert cell.source == "peers" and cell.revenue == Decimal("1000.00")
    assert cell.potential == Decimal("6100.00")  # 90th percentile of 0,0,1000,1000..7000 (10 peers)
    assert cell.share == pytest.approx(1000 / 6100)
    assert cell.untapped == Decimal("5100.00")
    total = grid.totals[0]
    assert total.revenue == Decimal("1000.00") and total.potential == Decimal("18300.00")


def test_the_teams_estimate_wins_over_the_peers_and_shows_its_source(alice, catalogue):
    antriebe, _ = catalogue
    account = AccountFactory(owner=alice, industry="Textil")  # no peers at all
    sell(account, "P-1", 50_000)
    potential.refresh_product_group_facts()
    before = potential.account_cells(alice, account, as_of=AS_OF)[0]

    cell = WhitespaceCell(
        account=account, product_group=antriebe, potential_estimate=Decimal("2000")
    )
    services.whitespace_cell_save(cell=cell, user=alice)
    after = potential.account_cells(alice, account, as_of=AS_OF)[0]

    assert before.potential is None and before.source == ""
    assert after.source == "estimate" and after.potential == Decimal("2000.00")
    assert after.share == pytest.approx(0.25)


def test_a_cell_refuses_a_negative_potential_a_share_over_100_and_a_block_without_reason(
    alice, catalogue
):
    antriebe, _ = catalogue
    account = AccountFactory(owner=alice)
    for wrong in (
        {"potential_estimate": Decimal("-1")},
        {"competitor_share": Decimal("150")},
        {"blocked_until": date(2027, 1, 1)},
    ):
        with pytest.raises(ValidationError):
            services.whitespace_cell_save(
                cell=WhitespaceCell(account=account, product_group=antriebe, **wrong), user=alice
            )
    assert not WhitespaceCell.objects.exists()


def test_a_kam_edits_a_cell_in_the_grid_and_a_foreign_grid_is_not_found(
    client, alice, carol, catalogue
):
    antriebe, _ = catalogue
    mine, theirs = AccountFactory(owner=alice), AccountFactory(owner=carol)
    rival = Competitor.objects.create(name="Rivale <GmbH>")
    client.force_login(alice)

    response = client.post(
        reverse("referrals:whitespace_cell", kwargs={"pk": mine.pk, "group_pk": antriebe.pk}),
        {
            "potential_estimate": "12000",
            "competitor": rival.pk,
            "competitor_share": "40",
            "contract_end": "2027-03-31",
            "blocked_reason": "Rahmenvertrag mit Rivale",
        },
    )
    page = client.get(reverse("referrals:whitespace", kwargs={"pk": mine.pk})).content.decode()

    assert response.status_code == 302
    assert "Rivale &lt;GmbH&gt;" in page and "Rahmenvertrag mit Rivale" in page
    assert client.get(reverse("referrals:whitespace", kwargs={"pk": theirs.pk})).status_code == 404


def test_the_competitor_overview_shows_untapped_potential_and_contracts_ending(alice, catalogue):
    antriebe, _ = catalogue
    account = AccountFactory(owner=alice)
    rival = Competitor.objects.create(name="Rivale")
    sell(account, "P-1", 100_000)
    potential.refresh_product_group_facts()
    services.whitespace_cell_save(
        cell=WhitespaceCell(
            account=account,
            product_group=antriebe,
            potential_estimate=Decimal("5000"),
            competitor=rival,
            contract_end=date(2026, 12, 31),
        ),
        user=alice,
    )

    row = next(
        r for r in potential.competitor_overview(alice, as_of=AS_OF) if r.competitor == rival
    )

    assert row.untapped == Decimal("4000.00")
    assert [c.account for c in row.ending_soon] == [account]


def test_known_potential_replaces_the_typed_potential_rating(alice, catalogue):
    antriebe, _ = catalogue
    small, big = AccountFactory(owner=alice), AccountFactory(owner=alice)
    AccountRating.objects.create(account=small, potential=5)
    for account, estimate in ((small, "1000"), (big, "90000")):
        sell(account, "P-1", 50_000)
        services.whitespace_cell_save(
            cell=WhitespaceCell(
                account=account, product_group=antriebe, potential_estimate=Decimal(estimate)
            ),
            user=alice,
        )
    potential.refresh_product_group_facts()

    ratings = analysis_ratings(as_of=AS_OF)

    assert ratings["potential"][big.pk] > ratings["potential"][small.pk]
    assert ratings["share_of_wallet"][small.pk] == 3.0  # 500 € of 1.000 €: share 0.5
