"""Complaints with handling hours booked on them: DB IV prices the hours at the
customer-service rate, the others keep the handling cost by severity."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from kam.complaints import services as complaint_services
from kam.profitability import services
from kam.profitability.tests.helpers import TODAY, complaint, fact, only_rates, stored
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
RATES = {
    "valid_from": datetime.date(2026, 1, 1),
    "hourly_rate_service": Decimal("60.00"),
    "complaint_medium": Decimal("120.00"),
    "invoice_handling": Decimal("0.00"),
    "line_logistics": Decimal("0.00"),
}
SERVICE = 4  # the service cost in `stored()`


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _book(complaint_, hours: str) -> None:
    complaint_services.complaint_update(
        complaint=complaint_, data={"handling_hours": Decimal(hours)}
    )


def test_booked_hours_cost_the_service_rate_and_the_others_their_severity(alice):
    # Given a complaint with 2,5 h booked in March and one without hours in April
    only_rates(RATES)
    account = AccountFactory(owner=alice)
    fact(account, MARCH, revenue="10000.00", margin="3000.00")
    fact(account, APRIL, revenue="10000.00", margin="3000.00")
    _book(complaint(account, datetime.date(2026, 3, 20), "medium"), "2.5")
    complaint(account, datetime.date(2026, 4, 2), "medium")

    # When every statement is recomputed
    services.statements_refresh_all()

    # Then March: 2,5 h x 60,00 € = 150,00 € service cost, not 120,00 € by severity;
    # April: 120,00 € by severity
    assert stored()[(account.pk, MARCH)] == (
        1_000_000,
        300_000,
        0,
        0,
        15_000,
        300_000,
        300_000,
        285_000,
    )
    assert stored()[(account.pk, APRIL)][SERVICE] == 12_000


def test_hundredths_of_an_hour_are_priced_exactly(alice):
    # 2,55 h is 254.99... hundredths as a float: the driver must still count 255
    only_rates(RATES)
    account = AccountFactory(owner=alice)
    _book(complaint(account, datetime.date(2026, 3, 20), "critical"), "2.55")
    _book(complaint(account, datetime.date(2026, 3, 21), "low"), "0.01")

    services.statements_refresh_all()

    # (255 + 1) hundredths x 60,00 € = 153,60 €
    assert stored()[(account.pk, MARCH)][SERVICE] == 15_360


def test_incremental_updates_equal_the_full_recomputation_and_the_rebuild(
    alice, django_capture_on_commit_callbacks
):
    # Given statements computed before any hours were booked
    only_rates(RATES)
    account = AccountFactory(owner=alice)
    fact(account, MARCH, revenue="10000.00", margin="3000.00")
    with django_capture_on_commit_callbacks(execute=True):
        booked = complaint(account, datetime.date(2026, 3, 20), "high")
        complaint(account, datetime.date(2026, 3, 22), "medium")
    services.statements_refresh_all()

    # When hours are booked, changed and booked on a second account's complaint (incremental)
    other = AccountFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        _book(booked, "1.25")
    with django_capture_on_commit_callbacks(execute=True):
        _book(booked, "3.75")
        _book(complaint(other, datetime.date(2026, 4, 2), "low"), "0.5")
    incremental = stored()

    # Then 3,75 h x 60 € + 120 € = 345,00 €; 0,5 h x 60 € = 30,00 €
    assert incremental[(account.pk, MARCH)][SERVICE] == 34_500
    assert incremental[(other.pk, APRIL)][SERVICE] == 3_000
    services.statements_refresh_all()
    assert stored() == incremental
    call_command("profitability-rebuild", stdout=StringIO())
    assert stored() == incremental


def test_clearing_the_hours_brings_back_the_severity_cost(
    alice, django_capture_on_commit_callbacks
):
    only_rates(RATES)
    account = AccountFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        booked = complaint(account, datetime.date(2026, 3, 20), "medium")
    with django_capture_on_commit_callbacks(execute=True):
        _book(booked, "2.5")
    assert stored()[(account.pk, MARCH)][SERVICE] == 15_000

    with django_capture_on_commit_callbacks(execute=True):
        complaint_services.complaint_update(complaint=booked, data={"handling_hours": None})

    assert stored()[(account.pk, MARCH)][SERVICE] == 12_000


def test_the_items_behind_db4_show_the_hours_times_the_rate(client, alice):
    only_rates(RATES)
    account = AccountFactory(owner=alice)
    fact(account, MARCH, revenue="10000.00", margin="3000.00")
    _book(complaint(account, datetime.date(2026, 3, 20), "medium"), "2.5")
    complaint(account, datetime.date(2026, 3, 21), "high")
    services.statements_refresh_all()
    client.force_login(alice)

    response = client.get(reverse("profitability:month", args=[account.pk, 2026, 3]))

    breakdown = response.context["breakdown"]
    service = next(stage for stage in breakdown.stages if stage.key == "service")
    hours = next(line for line in service.lines if line.booked_hours)
    assert (hours.hours, hours.rate_cents, hours.cents) == (Decimal("2.5"), 6_000, 15_000)
    assert breakdown.up_to_date
    page = response.content.decode()
    assert "Reklamationen, gebuchte Stunden (Kundenservice)" in page
    assert "2,5 h" in page and "× 60,00 € / h" in page
    assert "2,5 h × Stundensatz" in page  # the item itself


def test_the_rates_page_says_booked_hours_win(client, leader):
    only_rates(RATES)
    client.force_login(leader)

    response = client.get(reverse("profitability:rates"))

    assert "statt der Bearbeitungskosten nach Schweregrad" in response.content.decode()
