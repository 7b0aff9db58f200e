"""The demo company's statements carry the ERP's freight, packaging and special handling, so
that DB IV shows them as a step of their own."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum

from kam.profitability.models import AccountStatement
from kam.sales.models import MonthlyFact, SalesLine

pytestmark = pytest.mark.django_db


def test_the_demo_books_erp_costs_on_some_invoices_and_db4_counts_them():
    call_command("demo", "--accounts", "40", "--seed", "7", stdout=io.StringIO())
    firsts = SalesLine.objects.filter(line_number=1)
    with_freight = firsts.exclude(freight_cents=None)
    booked = Q(freight_cents__isnull=False) | Q(packaging_cents__isnull=False)

    assert 0 < with_freight.count() < firsts.count()
    assert firsts.exclude(packaging_cents=None).exists()
    assert firsts.exclude(handling_cents=None).exists()
    assert not SalesLine.objects.exclude(line_number=1).filter(booked).exists()
    assert all(
        890 <= cents <= 4_900 for cents in with_freight.values_list("freight_cents", flat=True)
    )
    months = AccountStatement.objects.values_list("month", flat=True).distinct()
    facts = MonthlyFact.objects.filter(month__in=list(months)).aggregate(
        freight=Sum("freight_cents"),
        packaging=Sum("packaging_cents"),
        handling=Sum("handling_cents"),
    )
    erp = AccountStatement.objects.aggregate(erp=Sum("erp_cost_cents"))["erp"]
    assert erp == facts["freight"] + facts["packaging"] + facts["handling"] > 0
