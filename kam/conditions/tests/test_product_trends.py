"""The forecast's reasons by product area: which top-level product groups an account buys more,
less or newly of, read from its lines when shown."""

import datetime

import pytest
from django.urls import reverse

from kam.analysis.tests.factories import make_run
from kam.cockpit.tests.factories import make_result
from kam.conditions.product_trends import area_trends
from kam.conditions.tests import factories as f
from kam.testing.factories import AccountFactory, sales_line

pytestmark = pytest.mark.django_db
LAST_MONTH = datetime.date(2025, 6, 1)
RECENT = datetime.date(2025, 3, 10)  # in the 12 months up to June 2025
BEFORE = datetime.date(2024, 3, 10)  # in the 12 before


def sale(account, product_number, euros, day):
    return sales_line(account, product=product_number, cents=euros * 100, day=day)


@pytest.fixture
def catalogue():
    f.product("H-1", group=f.group_path("Hydraulik", "Pumpen", "Zahnradpumpen"))
    f.product("E-1", group=f.group_path("Elektrik", "Kabel"))
    f.product("S-1", group=f.group_path("Service"))
    f.product("K-1", group=f.group_path("Kleinteile"))


def test_the_largest_growing_shrinking_and_new_areas_are_named_by_their_top_group(catalogue):
    account = AccountFactory()
    sale(account, "H-1", 10_000, BEFORE)
    sale(account, "H-1", 15_000, RECENT)  # +50 %, three levels deep
    sale(account, "E-1", 8_000, BEFORE)
    sale(account, "E-1", 4_000, RECENT)  # −50 %
    sale(account, "S-1", 3_000, RECENT)  # new
    sale(account, "K-1", 100, BEFORE)
    sale(account, "K-1", 300, RECENT)  # +200 %, but 1 % of the revenue: no reason
    sale(account, "X-unknown", 50_000, RECENT)  # not in the catalogue: no area

    assert area_trends(account_ids=[account.pk], last_month=LAST_MONTH) == {
        account.pk: [
            {"code": "area_new", "area": "Service"},
            {"code": "area_growing", "area": "Hydraulik", "percent": 50},
            {"code": "area_shrinking", "area": "Elektrik", "percent": 50},
        ]
    }


def test_steady_areas_and_lines_outside_the_two_years_give_no_reason(catalogue):
    account = AccountFactory()
    sale(account, "H-1", 10_000, BEFORE)
    sale(account, "H-1", 10_500, RECENT)  # +5 %: steady
    sale(account, "E-1", 90_000, datetime.date(2023, 5, 10))  # before the two years
    sale(account, "E-1", 90_000, datetime.date(2025, 7, 10))  # after the run's window

    assert area_trends(account_ids=[account.pk], last_month=LAST_MONTH) == {}


def test_tomorrows_list_names_the_area_escaped(client, leader, catalogue):
    f.product("Z-1", group=f.group_path("<img src=x onerror=alert(1)>"))
    account = AccountFactory(name="Wachsend GmbH")
    sale(account, "Z-1", 1_000, BEFORE)
    sale(account, "Z-1", 2_000, RECENT)
    make_result(make_run(as_of=datetime.date(2025, 6, 30)), account, revenue=2_000)
    client.force_login(leader)

    page = client.get(reverse("cockpit:tomorrow")).content.decode()

    assert "Kauft mehr im Produktbereich &lt;img src=x onerror=alert(1)&gt; (+100 %)" in page
    assert "<img src=x" not in page
    detail = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Kauft mehr im Produktbereich &lt;img src=x onerror=alert(1)&gt; (+100 %)" in detail
