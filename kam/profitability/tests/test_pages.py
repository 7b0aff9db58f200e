"""Pages, exports and the API of profitability on known data."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from kam.accounts.models import KeyAccountStatus
from kam.profitability import selectors, services
from kam.profitability.forms import CostRatesForm
from kam.profitability.models import CostRates
from kam.profitability.tests.helpers import TODAY, complaint, contact, fact, only_rates
from kam.sales import figures
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


MAY = datetime.date(2026, 5, 1)
RATES = {
    "valid_from": datetime.date(2025, 1, 1),
    "visit_minutes": 60,
    "visit_travel_minutes": 60,
    "phone_minutes": 15,
    "hourly_rate_kam": Decimal("90.00"),
    "complaint_high": Decimal("300.00"),
}


@pytest.fixture
def world(alice, carol):
    """Three accounts of alice: a profitable one, a lean one, one that loses money on care."""
    only_rates(RATES)
    best = AccountFactory(owner=alice, name="Beste GmbH", status=KeyAccountStatus.STRATEGIC)
    lean = AccountFactory(
        owner=alice, name="<b>Schlank</b> AG", status=KeyAccountStatus.KEY_ACCOUNT
    )
    costly = AccountFactory(owner=alice, name="=Teuer KG", status=KeyAccountStatus.NONE)
    foreign = AccountFactory(owner=carol, name="Fremd GmbH")
    fact(best, MAY, revenue="100000.00", margin="30000.00")
    fact(lean, MAY, revenue="50000.00", margin="10000.00")
    fact(costly, MAY, revenue="3000.00", margin="600.00")
    fact(foreign, MAY, revenue="1000.00", margin="100.00")
    for day in (4, 5, 6, 7, 8):  # 5 visits x 2 h x 90 € = 900.00 of care
        contact(costly, alice, datetime.date(2026, 5, day), "visit")
    contact(best, alice, datetime.date(2026, 5, 11), "visit")  # 180.00
    complaint(costly, datetime.date(2026, 5, 12), "high")  # 300.00
    services.statements_refresh_all()
    return {"best": best, "lean": lean, "costly": costly, "foreign": foreign}


def test_the_whale_curve_ranks_by_db4_and_names_the_peak(client, alice, world):
    client.force_login(alice)
    response = client.get(reverse("profitability:overview"))
    summary = response.context["summary"]
    # DB IV: best 30,000 - 180 = 29,820; lean 10,000; costly 600 - 900 - 300 = -600
    assert (summary.total_cents, summary.peak_cents, summary.peak_accounts) == (
        3_922_000,
        3_982_000,
        2,
    )
    assert summary.destroyers == 1
    assert [row.account for row in response.context["best"]] == [
        world["best"],
        world["lean"],
        world["costly"],
    ]
    assert world["foreign"] not in [row.account for row in response.context["best"]]
    assert b"&lt;b&gt;Schlank&lt;/b&gt; AG" in response.content
    assert b"<b>Schlank</b>" not in response.content.replace(b"\\u003Cb\\u003E", b"")


def test_over_served_when_care_exceeds_the_class_entitlement(client, alice, world):
    # costly: no key account, 5 % of DB I 600.00 = 30.00 entitlement, care 900.00
    # best: strategic, 12 % of 30,000.00 = 3,600.00 entitlement, care 180.00 (> a quarter? no)
    client.force_login(alice)
    response = client.get(reverse("profitability:served"), {"kind": "over"})
    rows = list(response.context["page"].object_list)
    assert [row.account for row in rows] == [world["costly"]]
    assert rows[0].entitlement_cents == 3_000
    under = client.get(reverse("profitability:served"), {"kind": "under"}).context["page"]
    # best gets 180.00 of 3,600.00, lean nothing of 1,000.00: both far below a quarter
    assert {row.account for row in under.object_list} == {world["best"], world["lean"]}


def test_the_items_behind_db3_are_the_visits_with_their_rates(client, alice, world):
    client.force_login(alice)
    url = reverse("profitability:month", args=[world["costly"].pk, 2026, 5])
    response = client.get(url)
    breakdown = response.context["breakdown"]
    care = next(stage for stage in breakdown.stages if stage.key == "care")
    assert [(line.quantity, line.minutes, line.rate_cents, line.cents) for line in care.lines] == [
        (5, 120, 9_000, 90_000)
    ]
    assert len(care.items) == 5 and care.items[0].url.startswith("/activities/")
    service = next(stage for stage in breakdown.stages if stage.key == "service")
    assert service.total_cents == 30_000 and breakdown.up_to_date
    assert b"Kostens\xc3\xa4tze" in response.content or b"Rates used" in response.content


def test_group_roll_up_over_three_levels_equals_the_sum_of_members(alice):
    only_rates(RATES)
    group = AccountFactory(owner=alice, name="Konzern")
    subsidiary = AccountFactory(owner=alice, parent=group, name="Tochter")
    plant = AccountFactory(owner=alice, parent=subsidiary, name="Werk")
    for account, margin in ((group, "100.00"), (subsidiary, "200.00"), (plant, "300.00")):
        fact(account, MAY, revenue="1000.00", margin=margin)
    contact(plant, alice, datetime.date(2026, 5, 3), "phone")  # 22.50
    services.statements_refresh_all()
    as_of = TODAY.date()
    top = selectors.account_statement(account=group, as_of=as_of)
    middle = selectors.account_statement(account=subsidiary, as_of=as_of)
    assert top.group_total is not None and middle.group_total is not None
    assert top.group_total.db4_cents == 60_000 - 2_250
    assert middle.group_total.db4_cents == 50_000 - 2_250
    assert selectors.account_statement(account=plant, as_of=as_of).group_total is None


@pytest.mark.parametrize("user", ["bob", "sam"])
def test_no_margin_permission_no_profitability_anywhere(client, user, world, request):
    viewer = request.getfixturevalue(user)
    account = world["best"]
    TeamMembershipFactory(account=account, user=viewer)
    client.force_login(viewer)
    assert client.get(reverse("profitability:account", args=[account.pk])).status_code == 403
    assert client.get(f"/api/accounts/{account.pk}/profitability").status_code == 403
    detail = client.get(reverse("accounts:detail", args=[account.pk]))
    assert detail.status_code == 200
    assert b"profit-waterfall" not in detail.content
    assert b'href="/profitability/"' not in detail.content


def test_the_account_page_has_the_statement_tab_for_margin_users(client, alice, world):
    client.force_login(alice)
    detail = client.get(reverse("accounts:detail", args=[world["best"].pk]))
    assert b"profit-waterfall" in detail.content


def test_api_sends_money_as_decimal_strings(client, alice, world):
    client.force_login(alice)
    body = client.get(f"/api/accounts/{world['costly'].pk}/profitability").json()
    assert body["total"]["db1"] == "600.00"
    assert body["total"]["care_cost"] == "900.00"
    assert body["total"]["db4"] == "-600.00"
    assert body["conditions_recorded"] is True  # the bonus and the discounts
    ranking = client.get("/api/profitability/accounts").json()
    assert [item["name"] for item in ranking["items"]] == [
        "Beste GmbH",
        "<b>Schlank</b> AG",
        "=Teuer KG",
    ]
    assert ranking["items"][2]["over_served"] is True


def test_exports_keep_names_as_text(client, alice, world):
    client.force_login(alice)
    csv = client.get(reverse("profitability:export", args=["accounts", "csv"])).content.decode()
    assert "'=Teuer KG" in csv
    xlsx = client.get(reverse("profitability:export", args=["over", "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=2, column=3).value == "=Teuer KG"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_conditions_note_until_special_conditions_are_recorded(client, alice, world, monkeypatch):
    from kam.conditions import cost_drivers

    client.force_login(alice)
    response = client.get(reverse("profitability:account", args=[world["best"].pk]))
    assert b'data-note="conditions"' not in response.content  # bonus and discounts recorded
    monkeypatch.setattr(cost_drivers, "PROVIDES", ("special_condition:bonus",))
    response = client.get(reverse("profitability:account", args=[world["best"].pk]))
    assert b'data-note="conditions"' in response.content
    assert (
        response.context["statement"].total.db2_cents
        == response.context["statement"].total.db1_cents
    )


def test_rates_page_refuses_overlaps_with_a_message(client, leader):
    only_rates(RATES)
    client.force_login(leader)
    data = {name: getattr(CostRates.objects.get(), name) for name in RATES if name != "valid_from"}
    response = client.post(
        reverse("profitability:rates_create"), {**data, "valid_from": "2026-07", **_rest()}
    )
    assert response.status_code == 200
    assert "01/2025" in str(response.context["form"].errors["valid_from"])
    assert CostRates.objects.count() == 1


def _rest() -> dict:
    form_fields = CostRatesForm().fields
    return {
        name: field.initial
        for name, field in form_fields.items()
        if name not in ("valid_from", "valid_until")
    }


def test_rates_page_saves_a_following_set(client, leader):
    only_rates({**RATES, "valid_until": datetime.date(2026, 6, 1)})
    client.force_login(leader)
    response = client.post(
        reverse("profitability:rates_create"), {**_rest(), "valid_from": "07/2026"}
    )
    assert response.status_code == 302
    assert CostRates.objects.filter(valid_from=datetime.date(2026, 7, 1)).exists()


def test_window_is_the_facts_readers(alice, world):
    window = figures.window_as_of(TODAY.date())
    ranking = selectors.profit_ranking(accounts=selectors.portfolio(user=alice), window=window)
    assert sum(row.figures.revenue_cents for row in ranking) == 15_300_000


@pytest.fixture
def cadenced(world, alice):
    """The costly account (a loss) under a monthly cadence with 5 visits in May, the best
    account (the most profitable) under a weekly cadence with 1 visit in 12 months."""
    from kam.activities.models import AccountCadence

    AccountCadence.objects.create(account=world["costly"], contact_every_days=91)  # 4 a year
    AccountCadence.objects.create(account=world["best"], visit_every_days=7)  # 52 a year
    return world


def test_over_and_under_served_by_cadence_on_the_page(client, alice, cadenced):
    client.force_login(alice)
    response = client.get(reverse("profitability:overview"))
    over = [row.account.name for row in response.context["cadence_over"]]
    under = [row.account.name for row in response.context["cadence_under"]]
    assert over == ["=Teuer KG"]  # 5 contacts, the cadence asks for 4, DB IV a loss
    assert under == ["Beste GmbH"]  # 1 contact, the cadence asks for 52, DB IV the highest
    assert response.context["cadence_under"][0].contact_target == pytest.approx(365 / 7)
    assert b'data-table="cadence-over"' in response.content


def test_cadence_lists_page_and_export(client, alice, cadenced):
    client.force_login(alice)
    page = client.get(reverse("profitability:served"), {"kind": "cadence-under"})
    assert [row.account.name for row in page.context["page"].object_list] == ["Beste GmbH"]
    csv = client.get(reverse("profitability:export", args=["cadence-over", "csv"]))
    lines = csv.content.decode().splitlines()
    assert len(lines) == 2 and "'=Teuer KG" in lines[1]
    assert lines[1].rstrip().endswith(";5;4") or lines[1].rstrip().endswith(",5,4")


def test_the_cockpit_loads_the_served_panel_only_for_margin_users(client, alice, bob, cadenced):
    client.force_login(alice)
    assert b"profitability-cockpit" in client.get(reverse("home")).content
    panel = client.get(reverse("profitability:cockpit_panel"))
    assert b'data-panel="cadence-served"' in panel.content
    assert [row.account.name for row in panel.context["over"]] == ["=Teuer KG"]
    client.force_login(bob)  # a field rep: no margins
    assert b"profitability-cockpit" not in client.get(reverse("home")).content
    assert client.get(reverse("profitability:cockpit_panel")).status_code == 403


def test_cost_per_thousand_euros_of_revenue():
    figures_ = selectors.Figures(
        revenue_cents=300_000, care_cost_cents=90_000, service_cost_cents=30_000
    )
    assert figures_.care_per_thousand == Decimal("300.00")  # 900 € care on 3,000 € revenue
    assert figures_.cost_to_serve_per_thousand == Decimal("400.00")
    assert selectors.Figures(revenue_cents=200_000, care_cost_cents=1).care_per_thousand == (
        Decimal("0.01")  # half a cent rounds up
    )
    assert selectors.Figures(care_cost_cents=500).care_per_thousand is None


def test_the_export_has_the_care_cost_per_thousand_euros(client, alice, world):
    client.force_login(alice)
    xlsx = client.get(reverse("profitability:export", args=["accounts", "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("Betreuungskosten je 1.000 EUR Umsatz (EUR)") + 1
    names = {sheet.cell(row=r, column=3).value: r for r in range(2, sheet.max_row + 1)}
    assert sheet.cell(row=names["=Teuer KG"], column=column).value == Decimal("300.00")
