"""The group tab: the group's combined figures (any depth) and each member's share."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from kam.analysis.tests.factories import add_facts, make_run, months_ending
from kam.cockpit.tests.factories import make_result
from kam.sales.figures import group_figures
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)  # the window: 03/2025–02/2026


@pytest.fixture
def group(alice):
    """A holding with a subsidiary that has a subsidiary of its own (three levels)."""
    holding = AccountFactory(owner=alice, name="Holding AG")
    daughter = AccountFactory(owner=alice, name="Tochter GmbH", parent=holding)
    grandchild = AccountFactory(owner=alice, name="Enkel KG", parent=daughter)
    last = date(2026, 2, 1)
    add_facts(holding, months_ending(last, [1_000] * 24))  # 12,000 now, 12,000 before
    add_facts(daughter, months_ending(last, [2_500] * 12), margin_rate=0.5)  # new: 30,000
    add_facts(grandchild, months_ending(last, [1_500] * 12 + [0] * 12))  # 18,000, falling to 0
    add_facts(AccountFactory(owner=alice), months_ending(last, [9_999] * 12))  # not a member
    return holding, daughter, grandchild


@time_machine.travel(TODAY)
def test_group_figures_sum_every_level_and_give_each_members_share(group):
    holding, daughter, grandchild = group

    figures = group_figures(holding, as_of=TODAY)

    assert figures.revenue_cents == 42_000_00  # 12,000 + 30,000 + 0
    assert figures.revenue_prev_cents == 30_000_00  # 12,000 + 0 + 18,000
    assert figures.growth == pytest.approx(0.4)
    assert figures.margin_cents == 3_000_00 + 15_000_00
    shares = {m.account_id: m.share for m in figures.members}
    assert shares == {
        daughter.pk: pytest.approx(30 / 42),
        holding.pk: pytest.approx(12 / 42),
        grandchild.pk: 0,
    }
    assert [m.account_id for m in figures.members][0] == daughter.pk  # largest first


@time_machine.travel(TODAY)
def test_the_group_tab_shows_combined_revenue_margin_and_forecast(client, alice, group):
    holding, daughter, _ = group
    run = make_run(as_of=date(2026, 2, 28))
    make_result(run, holding, revenue=12_000, expected_revenue_12m_cents=10_000_00)
    make_result(run, daughter, revenue=30_000, expected_revenue_12m_cents=35_000_00)
    client.force_login(alice)

    html = client.get(reverse("cockpit:group_figures", args=[holding.pk])).content.decode()

    assert 'data-figure="group-revenue">42.000 €' in html
    assert 'data-figure="group-forecast">45.000 €' in html
    assert 'data-figure="group-margin">18.000 €' in html
    assert "71,4 %" in html  # the daughter's share of the group
    assert "Enkel KG" in html


@time_machine.travel(TODAY)
def test_the_group_margin_needs_the_margin_permission(client, sam, group):
    client.force_login(sam)  # customer service sees every account, never margins

    html = client.get(reverse("cockpit:group_figures", args=[group[0].pk])).content.decode()

    assert 'data-figure="group-revenue">42.000 €' in html
    assert "group-margin" not in html
