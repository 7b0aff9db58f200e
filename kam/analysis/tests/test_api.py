"""The analysis and sales endpoints of the JSON API: visibility and the margin permission."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from time_machine import travel

from kam.analysis.tests.factories import add_facts, make_run, months_ending
from kam.cockpit.tests.factories import make_result
from kam.sales.figures import last_complete_month
from kam.testing.factories import AccountFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice, bob):
    account = AccountFactory(owner=alice)
    TeamMembershipFactory(account=account, user=bob)
    make_result(make_run(), account, revenue=120_000, margin_12m_cents=3_000_000)
    return account


def test_the_latest_result_with_margins_for_those_who_may_see_them(client, alice, account):
    client.force_login(alice)

    body = client.get(reverse("api:account_analysis", args=[account.pk])).json()

    assert body["margin_12m"] == "30000.00"
    assert body["revenue_12m"] == "120000.00"


def test_no_margins_for_a_field_rep_without_the_permission(client, bob, account):
    client.force_login(bob)

    analysis = client.get(reverse("api:account_analysis", args=[account.pk])).json()

    assert analysis["margin_12m"] is None and analysis["abc_margin"] is None
    assert analysis["revenue_12m"] == "120000.00"


def test_monthly_sales_hide_the_margin_without_the_permission(client, alice, bob, account):
    add_facts(account, months_ending(last_complete_month(timezone.localdate()), [1000] * 3))
    url = reverse("api:account_monthly_sales", args=[account.pk])

    client.force_login(alice)
    with_margin = client.get(url).json()
    client.force_login(bob)
    without = client.get(url).json()

    assert len(with_margin) == 36 and any(m["margin"] for m in with_margin)
    assert all(m["margin"] is None for m in without)
    revenues = [Decimal(m["revenue"]) for m in without]
    assert revenues == [Decimal(m["revenue"]) for m in with_margin] and sum(revenues) == 3000


def test_an_account_without_a_result_answers_404(client, alice):
    client.force_login(alice)
    other = AccountFactory(owner=alice)

    assert client.get(reverse("api:account_analysis", args=[other.pk])).status_code == 404


MONEY = re.compile(r"^-?\d+\.\d{2}$")


def test_money_is_sent_as_decimal_strings_with_two_places(client, alice, account):
    add_facts(account, months_ending(last_complete_month(timezone.localdate()), [1234] * 2))
    client.force_login(alice)

    analysis = client.get(reverse("api:account_analysis", args=[account.pk])).json()
    months = client.get(reverse("api:account_monthly_sales", args=[account.pk])).json()
    sales = client.get(reverse("api:account_sales_figures", args=[account.pk])).json()

    amounts = [analysis[key] for key in ("revenue_12m", "margin_12m", "expected_revenue_12m")]
    amounts += [m[key] for m in months for key in ("revenue", "margin")]
    amounts += [sales[key] for key in ("revenue_12m", "revenue_prev_12m", "margin_12m")]
    assert all(isinstance(amount, str) and MONEY.match(amount) for amount in amounts)
    assert sales["revenue_12m"] == "2468.00" and sales["margin_12m"] == "617.00"


def test_the_schema_documents_money_as_a_decimal_string(client, alice):
    client.force_login(alice)

    schemas = client.get(reverse("api:openapi-json")).json()["components"]["schemas"]

    for name, field in (("ResultOut", "revenue_12m"), ("FiguresOut", "revenue_12m")):
        described = schemas[name]["properties"][field]
        assert described["type"] == "string" and described["format"] == "decimal"
        assert described["pattern"] == MONEY.pattern
    assert schemas["MonthOut"]["properties"]["margin"]["anyOf"][0]["type"] == "string"


@travel(date(2026, 11, 15), tick=False)
def test_the_figures_state_their_window_and_leave_out_the_running_month(client, alice, account):
    add_facts(account, months_ending(date(2026, 12, 1), [100] * 14))  # up to a future month
    client.force_login(alice)

    sales = client.get(reverse("api:account_sales_figures", args=[account.pk])).json()

    assert sales["window"]["first_month"] == "2025-11-01"
    assert sales["window"]["last_month"] == "2026-10-01"
    assert sales["revenue_12m"] == "1200.00" and sales["revenue_prev_12m"] == "0.00"
