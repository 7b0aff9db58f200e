"""The account list with figures: chosen columns, sorting by the database, no N+1, margins
only with the permission, exports of the filtered list."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kam.activities.tests.factories import ActivityFactory
from kam.cockpit.tests.factories import analysed_portfolio
from kam.testing.factories import AccountFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db
FIGURES = ["revenue", "growth", "abc", "score", "forecast", "p_alive", "last_contact"]


@pytest.fixture
def portfolio(alice, carol):
    accounts = [
        AccountFactory(owner=alice, name="Alpha Maschinen"),
        AccountFactory(owner=alice, name="Beta Logistik"),
        AccountFactory(owner=alice, name="Gamma Handel"),
        AccountFactory(owner=carol, name="Carol Groß AG"),
    ]
    run, results = analysed_portfolio(accounts, revenues=[300_000, 200_000, 40_000, 900_000])
    results[2].revenue_prev_12m_cents = 80_000_00  # Gamma halved
    results[2].save()
    return accounts


def names(response) -> list[str]:
    return [account.name for account in response.context["page"]]


def test_the_list_shows_the_figures_of_the_latest_run(client, alice, portfolio):
    client.force_login(alice)

    html = client.get(reverse("accounts:list"), {"col": FIGURES}).content.decode()

    assert "300.000 €" in html and "330.000 €" in html  # revenue and forecast (110 %)
    assert "-50,0 %" in html or "−50,0 %" in html  # Gamma's growth
    assert "Carol Groß AG" not in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-revenue", ["Alpha Maschinen", "Beta Logistik", "Gamma Handel"]),
        ("revenue", ["Gamma Handel", "Beta Logistik", "Alpha Maschinen"]),
        ("growth", ["Gamma Handel", "Alpha Maschinen", "Beta Logistik"]),
        ("-name", ["Gamma Handel", "Beta Logistik", "Alpha Maschinen"]),
    ],
)
def test_figure_columns_sort_in_the_database(client, alice, portfolio, sort, expected):
    client.force_login(alice)

    response = client.get(reverse("accounts:list"), {"col": FIGURES, "sort": sort})

    assert names(response) == expected
    assert response.context["sort"] == sort


def test_accounts_without_results_sort_last(client, alice, portfolio):
    AccountFactory(owner=alice, name="Neu ohne Umsatz")
    client.force_login(alice)

    for sort in ("-revenue", "revenue"):
        assert names(client.get(reverse("accounts:list"), {"sort": sort}))[-1] == "Neu ohne Umsatz"


def test_margin_columns_and_sorts_need_the_margin_permission(client, portfolio):
    viewer = UserFactory(role=Role.LEADERSHIP, margins=False)
    client.force_login(viewer)

    response = client.get(
        reverse("accounts:list"), {"col": ["margin", "revenue"], "sort": "-margin"}
    )

    assert [c.key for c in response.context["view"].columns] == ["revenue"]
    assert response.context["sort"] == "name"
    assert 'data-column="margin"' not in response.content.decode()


def test_the_margin_column_for_a_user_with_the_permission(client, alice, portfolio):
    client.force_login(alice)

    html = client.get(reverse("accounts:list"), {"col": ["margin", "margin_rate"]}).content.decode()

    assert 'data-column="margin"' in html and "75.000 €" in html and "25,0 %" in html


def test_last_contact_is_the_latest_done_contact(client, alice, portfolio):
    ActivityFactory(account=portfolio[0], starts_at=timezone.now() - timedelta(days=3))
    ActivityFactory(account=portfolio[0], starts_at=timezone.now() - timedelta(days=30))
    client.force_login(alice)

    response = client.get(
        reverse("accounts:list"), {"col": ["last_contact"], "sort": "-last_contact"}
    )

    first = response.context["page"][0]
    assert first.name == "Alpha Maschinen"
    assert timezone.localdate(first.last_contact_at) == timezone.localdate() - timedelta(days=3)


def test_the_list_query_count_does_not_grow_with_rows(client, alice, django_assert_max_num_queries):
    accounts = [AccountFactory(owner=alice, parent=None) for _ in range(30)]
    analysed_portfolio(accounts)
    for account in accounts:
        ActivityFactory(account=account)
    client.force_login(alice)
    every = ["city", "industry", "group", *FIGURES, "margin", "margin_rate"]

    # Session, user, permissions, run, count, page, filter choices, saved views: about 15
    # whatever the number of rows (30 rows with an N+1 would be 45 or more).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("accounts:list"), {"col": every, "sort": "-revenue"})
    assert len(response.context["page"]) == 30


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_export_is_the_filtered_list_with_the_chosen_columns(client, alice, portfolio):
    client.force_login(alice)

    response = client.get(
        reverse("lists:export", args=["csv"]),
        {"q": "a", "col": ["revenue", "abc"], "sort": "-revenue"},
    )

    rows = csv_rows(response)
    assert rows[0][-2:] == ["Umsatz, 12 Monate", "ABC/XYZ"]
    assert [r[1] for r in rows[1:]] == ["Alpha Maschinen", "Beta Logistik", "Gamma Handel"]
    assert rows[1][-2:] == ["300000,00", "AX"]


def test_the_xlsx_export_agrees_with_the_page(client, alice, portfolio):
    client.force_login(alice)
    params = {"col": ["revenue", "growth"], "sort": "growth"}

    page = names(client.get(reverse("accounts:list"), params))
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("lists:export", args=["xlsx"]), params).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))

    assert [r[1] for r in rows[1:]] == page
    # Growth is a fraction in a percent format: Excel shows -50,0 % (kam.core.exports).
    assert rows[1][-1] == -0.5
    assert sheet.cell(2, len(rows[0])).number_format == "0.0 %"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_the_export_leaves_out_margins_without_the_permission(client, portfolio):
    client.force_login(UserFactory(role=Role.LEADERSHIP, margins=False))

    header = csv_rows(client.get(reverse("lists:export", args=["csv"]), {"col": ["margin"]}))[0]

    assert not [title for title in header if "arg" in title.lower()]


def test_bad_sort_and_columns_fall_back_quietly(client, alice, portfolio):
    client.force_login(alice)

    response = client.get(
        reverse("accounts:list"), {"sort": "; DROP", "col": ["nope"], "page": "x"}
    )

    assert response.status_code == 200
    assert response.context["sort"] == "name"
