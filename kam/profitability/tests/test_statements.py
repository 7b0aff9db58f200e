"""The stored statement: a hand calculation to the cent, rates by validity, incremental updates."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from kam.core import plugins
from kam.core.plugins import CostDriver
from kam.profitability import services
from kam.profitability.models import AccountStatement, CostRates
from kam.profitability.tests.helpers import (
    TODAY,
    complaint,
    contact,
    fact,
    only_rates,
    stored,
)
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

MARCH, AUGUST = datetime.date(2026, 3, 1), datetime.date(2026, 8, 1)
FIRST_HALF = {
    "valid_from": datetime.date(2026, 1, 1),
    "valid_until": datetime.date(2026, 6, 1),
    "visit_minutes": 90,
    "visit_travel_minutes": 60,
    "phone_minutes": 15,
    "hourly_rate_kam": Decimal("80.00"),
    "hourly_rate_field": Decimal("60.00"),
    "complaint_medium": Decimal("120.00"),
    "invoice_handling": Decimal("2.50"),
    "line_logistics": Decimal("0.40"),
}
SECOND_HALF = {
    "valid_from": datetime.date(2026, 7, 1),
    "visit_minutes": 90,
    "visit_travel_minutes": 30,
    "phone_minutes": 15,
    "hourly_rate_kam": Decimal("100.00"),
    "invoice_handling": Decimal("3.00"),
    "line_logistics": Decimal("0.50"),
}


@pytest.fixture
def bonus_provider(monkeypatch):
    """A special-condition provider (the conditions app is not installed here)."""
    bonuses: list[CostDriver] = []
    real = plugins.listed_cost_drivers

    def with_bonuses(**kwargs):
        wanted = kwargs.get("account_ids")
        extra = [b for b in bonuses if wanted is None or b.account_id in wanted]
        return real(**kwargs) + extra

    monkeypatch.setattr(plugins, "listed_cost_drivers", with_bonuses)
    return bonuses


@time_machine.travel(TODAY, tick=False)
def test_statement_of_a_hand_made_account_equals_the_hand_calculation(alice, bob, bonus_provider):
    # Given rates that change mid-year, two months of sales, contacts, a complaint and a bonus
    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    fact(account, MARCH, revenue="50000.00", margin="15000.00", invoices=4, lines=20)
    fact(account, AUGUST, revenue="40000.00", margin="12000.00", invoices=2, lines=10)
    contact(account, alice, datetime.date(2026, 3, 10), "visit", participants=[bob])
    contact(account, alice, datetime.date(2026, 3, 12), "phone")
    contact(account, alice, datetime.date(2026, 3, 13), "phone", status="planned")
    contact(account, alice, datetime.date(2026, 8, 5), "visit")
    contact(account, alice, datetime.date(2026, 8, 6), "phone")
    complaint(account, datetime.date(2026, 3, 20), "medium")
    bonus_provider.append(
        CostDriver(account.pk, AUGUST, "special_condition", "bonus", "", 0, 80000)
    )

    # When every statement is recomputed
    services.statements_refresh_all()

    # Then March: visit 150 min x 80 € (alice) + 150 min x 60 € (bob) + phone 15 min x 80 €
    #   = 200 + 150 + 20 = 370.00 care; complaint 120 + 4 invoices x 2.50 + 20 lines x 0.40
    #   = 138.00 service
    assert stored()[(account.pk, MARCH)] == (
        5_000_000,
        1_500_000,
        0,
        37_000,
        13_800,
        1_500_000,
        1_463_000,
        1_449_200,
    )
    # August: bonus 800.00; visit 120 min x 100 € + phone 15 min x 100 € = 225.00 care;
    #   2 invoices x 3.00 + 10 lines x 0.50 = 11.00 service
    assert stored()[(account.pk, AUGUST)] == (
        4_000_000,
        1_200_000,
        80_000,
        22_500,
        1_100,
        1_120_000,
        1_097_500,
        1_096_400,
    )


@time_machine.travel(TODAY, tick=False)
def test_the_rate_valid_on_the_activitys_date_is_used(alice):
    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    contact(account, alice, datetime.date(2026, 6, 30), "phone")  # 15 min x 80 €
    contact(account, alice, datetime.date(2026, 7, 1), "phone")  # 15 min x 100 €
    services.statements_refresh_all()
    care = dict(
        AccountStatement.objects.filter(account=account).values_list("month", "care_cost_cents")
    )
    assert care == {datetime.date(2026, 6, 1): 2_000, datetime.date(2026, 7, 1): 2_500}


@time_machine.travel(TODAY, tick=False)
def test_a_month_without_rates_costs_nothing_but_keeps_its_margin(alice):
    only_rates(SECOND_HALF)
    account = AccountFactory(owner=alice)
    fact(account, MARCH, revenue="100.00", margin="30.00")
    contact(account, alice, datetime.date(2026, 3, 2), "visit")
    services.statements_refresh_all()
    assert stored()[(account.pk, MARCH)][1:] == (3_000, 0, 0, 0, 3_000, 3_000, 3_000)


@time_machine.travel(TODAY, tick=False)
def test_incremental_updates_equal_a_full_recomputation(
    alice, bob, django_capture_on_commit_callbacks
):
    only_rates(FIRST_HALF, SECOND_HALF)
    first, second = AccountFactory(owner=alice), AccountFactory(owner=alice)
    fact(first, MARCH, revenue="1000.00", margin="300.00", invoices=2, lines=3)
    fact(second, AUGUST, revenue="2000.00", margin="500.00")
    services.statements_refresh_all()
    with django_capture_on_commit_callbacks(execute=True):
        visit = contact(first, alice, datetime.date(2026, 3, 3), "visit", participants=[bob])
        contact(second, bob, datetime.date(2026, 8, 9), "presentation")
        complaint(first, datetime.date(2026, 4, 1), "high")
        moved = contact(second, alice, datetime.date(2026, 8, 10), "phone")
    with django_capture_on_commit_callbacks(execute=True):
        from kam.activities import services as activity_services

        activity_services.activity_update(
            activity=moved, data={"starts_at": visit.starts_at.replace(month=9)}
        )
        activity_services.activity_delete(activity=visit)
    incremental = stored()
    assert incremental[(second.pk, datetime.date(2026, 9, 1))][3] == 2_500  # the moved phone call

    services.statements_refresh_all()

    assert stored() == incremental


@time_machine.travel(TODAY, tick=False)
def test_overlapping_rates_are_refused_with_a_clear_message():
    only_rates({"valid_from": datetime.date(2026, 1, 1)})
    with pytest.raises(ValidationError) as refused:
        services.cost_rates_save(rates=CostRates(valid_from=datetime.date(2026, 7, 1)))
    assert "01/2026" in refused.value.message_dict["valid_from"][0]
    assert CostRates.objects.count() == 1


@time_machine.travel(TODAY, tick=False)
def test_rates_that_follow_each_other_are_accepted_and_recompute_the_statements(
    alice, django_capture_on_commit_callbacks
):
    only_rates({"valid_from": datetime.date(2026, 1, 1), "valid_until": datetime.date(2026, 6, 1)})
    account = AccountFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):  # the call is kept as a driver fact
        contact(account, alice, datetime.date(2026, 7, 3), "phone")
    with django_capture_on_commit_callbacks(execute=True):
        services.cost_rates_save(
            rates=CostRates(valid_from=datetime.date(2026, 7, 15), hourly_rate_kam=Decimal("60"))
        )
    assert CostRates.objects.get(hourly_rate_kam=60).valid_from == datetime.date(2026, 7, 1)
    july = AccountStatement.objects.get(account=account, month=datetime.date(2026, 7, 1))
    assert july.care_cost_cents == 1_500


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValidationError) as refused:
        services.cost_rates_save(
            rates=CostRates(
                valid_from=datetime.date(2026, 7, 1), valid_until=datetime.date(2026, 5, 1)
            )
        )
    assert "valid_until" in refused.value.message_dict


@time_machine.travel(TODAY, tick=False)
def test_a_recomputation_writes_only_what_changed(alice):
    only_rates(FIRST_HALF, SECOND_HALF)
    first, second = AccountFactory(owner=alice), AccountFactory(owner=alice)
    fact(first, MARCH, revenue="1000.00", margin="300.00")
    fact(second, MARCH, revenue="500.00", margin="100.00")
    assert services.statements_refresh_all().written == 2
    contact(second, alice, datetime.date(2026, 3, 9), "phone")
    stored_again = services.statements_refresh_all()
    assert (stored_again.written, stored_again.deleted, stored_again.rows) == (1, 0, 2)
    assert stored()[(second.pk, MARCH)][3] == 2_000
    AccountStatement.objects.filter(account=first).delete()
    assert services.statements_refresh_all().written == 1


@time_machine.travel(TODAY, tick=False)
def test_the_annual_bonus_accrues_into_db2_month_by_month(alice):
    """Bonus 2 % from 10,000 € a year, 3 % from 20,000 € (on the whole year's revenue)."""
    from kam.conditions.models import BonusTier
    from kam.conditions.tests.factories import agreement

    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    deal = agreement(account)
    BonusTier.objects.create(agreement=deal, from_revenue=Decimal("10000"), percent=Decimal("2"))
    BonusTier.objects.create(agreement=deal, from_revenue=Decimal("20000"), percent=Decimal("3"))
    for month, revenue in ((1, "8000.00"), (2, "4000.00"), (3, "9000.00")):
        fact(account, datetime.date(2026, month, 1), revenue=revenue, margin="1000.00")
    services.statements_refresh_all()
    costs = {month: row[2] for (_id, month), row in stored().items()}
    # January 8,000: none; February 12,000 x 2 % = 240; March 21,000 x 3 % = 630 (+390)
    assert costs == {
        datetime.date(2026, 1, 1): 0,
        datetime.date(2026, 2, 1): 24_000,
        datetime.date(2026, 3, 1): 39_000,
    }
    assert stored()[(account.pk, datetime.date(2026, 3, 1))][5] == 100_000 - 39_000


def _sale(account, number, product, quantity, cents, day):
    from kam.testing.factories import sales_line

    return sales_line(
        account, product=product, cents=cents, day=day, quantity=quantity, invoice=f"R-{number}"
    )


@time_machine.travel(TODAY, tick=False)
def test_discounts_below_the_list_price_enter_db2(alice):
    """List price 12.50 €; only known products, only lines below the list price count."""
    from kam.conditions.tests.factories import product

    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    product("A-1", price="12.50")
    product("B-2", price="3.99")
    fact(account, MARCH, revenue="1000.00", margin="300.00")
    _sale(account, 1, "A-1", "10", 10_000, datetime.date(2026, 3, 4))  # 125.00 - 100.00 = 25.00
    _sale(account, 2, "B-2", "3.000", 1_000, datetime.date(2026, 3, 5))  # 11.97 - 10.00 = 1.97
    _sale(account, 3, "A-1", "2", 3_000, datetime.date(2026, 3, 6))  # above the list price: 0
    _sale(account, 4, "X-9", "5", 1, datetime.date(2026, 3, 7))  # unknown product: 0
    _sale(account, 5, "A-1", None, 1, datetime.date(2026, 3, 8))  # no quantity: 0
    _sale(account, 6, "A-1", "1", 1_000, datetime.date(2026, 4, 2))  # April: 2.50

    services.statements_refresh_all()

    march = stored()[(account.pk, MARCH)]
    assert march[2] == 2_500 + 197
    assert march[5] == 30_000 - 2_697  # DB II = DB I - the discounts
    assert stored()[(account.pk, datetime.date(2026, 4, 1))][2] == 250


def _driver_facts() -> set:
    from kam.profitability.models import CostDriverFact

    return set(
        CostDriverFact.objects.values_list(
            "account_id", "month_index", "kind", "detail", "role", "quantity", "amount_cents"
        )
    )


@time_machine.travel(TODAY, tick=False)
def test_logging_contacts_and_complaints_keeps_the_driver_facts_current(
    alice, bob, django_capture_on_commit_callbacks
):
    # Given contacts and a complaint logged through the services (their hooks run on commit)
    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        contact(account, alice, datetime.date(2026, 3, 10), "visit", participants=[bob])
        contact(account, alice, datetime.date(2026, 3, 11), "visit")
        contact(account, bob, datetime.date(2026, 8, 9), "presentation")
        complaint(account, datetime.date(2026, 4, 1), "high")
    kept = _driver_facts()

    # When the nightly repair rebuilds them from the records
    services.statements_refresh_all()

    # Then nothing was missing: two KAM visits and one field visit in March, and so on
    assert kept == _driver_facts()
    assert (account.pk, 2026 * 12 + 2, "activity", "visit", "kam", 2, 0) in kept
    assert (account.pk, 2026 * 12 + 2, "activity", "visit", "field", 1, 0) in kept
    assert (account.pk, 2026 * 12 + 7, "offer", "", "field", 1, 0) in kept
    assert (account.pk, 2026 * 12 + 3, "complaint", "high", "", 1, 0) in kept


@time_machine.travel(TODAY, tick=False)
def test_statements_are_recomputed_from_the_kept_driver_facts(
    alice, django_capture_on_commit_callbacks
):
    # Given a call kept as a driver fact, whose activity then vanishes behind the services' back
    from kam.activities.models import Activity

    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        contact(account, alice, datetime.date(2026, 7, 3), "phone")
    Activity.objects.filter(account=account).delete()

    # When the statements are recomputed (as after an import or new rates), the kept facts
    # are priced without reading the activities
    services.statements_refresh_all(rebuild_drivers=False)
    assert stored()[(account.pk, datetime.date(2026, 7, 1))][3] == 2_500

    # And the repair rebuilds the facts from the records
    services.statements_refresh_all()
    assert (account.pk, datetime.date(2026, 7, 1)) not in stored()


@time_machine.travel(TODAY, tick=False)
def test_the_rebuild_command_repairs_driver_facts_and_statements(alice):
    from io import StringIO

    from django.core.management import call_command

    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    contact(account, alice, datetime.date(2026, 7, 3), "phone")  # its hook never ran
    out = StringIO()

    call_command("profitability-rebuild", stdout=out)

    assert stored()[(account.pk, datetime.date(2026, 7, 1))][3] == 2_500
    assert "1 statements, 1 written" in out.getvalue()


@time_machine.travel(TODAY, tick=False)
def test_deleting_an_account_deletes_its_statements_and_driver_facts(alice):
    from kam.profitability.models import CostDriverFact

    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)  # contacts would protect it from deletion
    fact(account, MARCH, revenue="100.00", margin="30.00")
    CostDriverFact.objects.create(
        account=account, month_index=2026 * 12 + 2, kind="offer", detail="", role="kam", quantity=1
    )
    services.statements_refresh_all(rebuild_drivers=False)
    assert stored()[(account.pk, MARCH)][3] == 16_000  # an offer prepared: 120 min x 80 €

    account.delete()

    assert not AccountStatement.objects.filter(account_id=account.pk).exists()
    assert not CostDriverFact.objects.filter(account_id=account.pk).exists()


@time_machine.travel(TODAY, tick=False)
def test_a_recomputation_of_all_accounts_leaves_fresh_statistics_on_postgresql(alice):
    """Else the next account's update plans with the statistics of an empty table (1 s, not
    10 ms, at 100,000 accounts)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    only_rates(FIRST_HALF, SECOND_HALF)
    for account in AccountFactory.create_batch(3, owner=alice):
        fact(account, MARCH, revenue="1000.00", margin="300.00")
    services.statements_refresh_all()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s",
            [AccountStatement._meta.db_table],
        )
        assert cursor.fetchone()[0] == 3


@time_machine.travel(TODAY, tick=False)
def test_the_repair_leaves_fresh_statistics_of_the_driver_facts_on_postgresql(alice):
    """The pricing that reads them next plans with them (100 s instead of 5 at 2.4 million)."""
    from django.db import connection

    from kam.profitability.models import CostDriverFact

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    only_rates(FIRST_HALF, SECOND_HALF)
    account = AccountFactory(owner=alice)
    for day in (2, 9, 16):
        contact(account, alice, datetime.date(2026, 3, day), "phone")
        contact(account, alice, datetime.date(2026, 8, day), "visit")
    services.statements_refresh_all()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s",
            [CostDriverFact._meta.db_table],
        )
        assert cursor.fetchone()[0] == CostDriverFact.objects.count() > 0


def _relfilenode() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relfilenode FROM pg_class WHERE relname = %s",
            [AccountStatement._meta.db_table],
        )
        return cursor.fetchone()[0]


@time_machine.travel(TODAY, tick=False)
def test_an_emptied_table_is_filled_afresh_on_postgresql(alice):
    """Its deleted rows, not yet vacuumed, would make every insert check its key against them
    (53 CPU s instead of 46 at 100,000 accounts); a table with a live row is never truncated."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's storage of deleted rows")
    only_rates(FIRST_HALF, SECOND_HALF)
    first, second = AccountFactory.create_batch(2, owner=alice)
    fact(first, MARCH, revenue="1000.00", margin="300.00")
    services.statements_refresh_all()
    AccountStatement.objects.all().delete()
    emptied = _relfilenode()

    services.statements_refresh_all()

    assert _relfilenode() != emptied
    assert set(stored()) == {(first.pk, MARCH)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s",
            [AccountStatement._meta.db_table],
        )
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"statement_month", f"{AccountStatement._meta.db_table}_pkey"} <= indexes
    kept = _relfilenode()
    AccountStatement.objects.create(account=second, month=datetime.date(2020, 1, 1))
    AccountStatement.objects.filter(account=first).delete()
    services.statements_refresh_all()
    assert _relfilenode() == kept
    assert set(stored()) == {(first.pk, MARCH), (second.pk, datetime.date(2020, 1, 1))}


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_the_key_by_account_and_month_keeps_the_statements(alice):
    account = AccountFactory(owner=alice)
    executor = MigrationExecutor(connection)
    before = [("profitability", "0004_statement_erp_cost")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("profitability", "AccountStatement")
    old.objects.create(account_id=account.pk, month=datetime.date(2026, 3, 1), db4_cents=-123)
    old.objects.create(account_id=account.pk, month=datetime.date(2026, 4, 1), erp_cost_cents=9)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = AccountStatement.objects.filter(account=account).order_by("month")
    assert [(s.pk, s.db4_cents, s.erp_cost_cents) for s in kept] == [
        ((account.pk, datetime.date(2026, 3, 1)), -123, 0),
        ((account.pk, datetime.date(2026, 4, 1)), 0, 9),
    ]
    with pytest.raises(IntegrityError):
        AccountStatement.objects.create(account=account, month=datetime.date(2026, 3, 1))
