"""The facts of new lines: a month after the latest month with a fact is not looked up
(kam.sales.facts._has_fact), and months on or before it still are; PostgreSQL groups and counts
text bytewise (kam.sales.facts._bytewise), with the same groups and counts."""

from __future__ import annotations

import pytest
from django.db import connection

from kam.accounts.models import Account
from kam.sales import facts
from kam.sales import spool as spools
from kam.sales.importer import import_sales
from kam.sales.models import MonthlyFact
from kam.sales.tests.facts import facts_from_lines, stored_facts
from kam.sales.tests.spools import spooled_row
from kam.sales.tests.test_import import write

pytestmark = pytest.mark.django_db(transaction=True)


def _month_export(*lines: tuple[str, str, str]) -> str:
    """Lines of (customer number, invoice number, invoice date as DD.MM.YYYY)."""
    return "".join(
        f"{customer};Kunde {customer};{invoice};1;{date};A1;1;10,00;1,00\n"
        for customer, invoice, date in lines
    )


def test_months_before_on_and_after_the_latest_fact_month_all_get_their_facts(tmp_path):
    march = _month_export(("10001", "R-1", "03.03.2025"), ("10002", "R-2", "04.03.2025"))
    import_sales(paths=[write(tmp_path, "march.csv", march)])
    assert {fact.month.month for fact in MonthlyFact.objects.all()} == {3}

    # January: before the latest month, without a fact; March: on it, with one for 10001
    # and without for 10003; April: after it.
    more = _month_export(
        ("10001", "R-3", "10.01.2025"),
        ("10001", "R-4", "20.03.2025"),
        ("10003", "R-5", "21.03.2025"),
        ("10002", "R-6", "01.04.2025"),
    )
    import_sales(paths=[write(tmp_path, "more.csv", more)])

    assert stored_facts() == facts_from_lines()
    march_of_10001 = MonthlyFact.objects.get(account__customer_number="10001", month__month=3)
    assert (march_of_10001.line_count, march_of_10001.last_purchase.day) == (2, 20)
    assert MonthlyFact.objects.count() == 5


def test_the_latest_fact_month_is_none_before_the_first_fact():
    with connection.cursor() as cursor:
        assert facts._latest_month(cursor) == facts.NO_MONTH


@pytest.mark.skipif(connection.vendor != "postgresql", reason="spool tables are PostgreSQL's")
def test_a_spools_sums_keep_numbers_apart_that_differ_in_case_accents_or_spaces():
    customers = ["k1", "K1", "K1 ", "Ä1", "A1"]
    invoices = ["r1", "R1", "R1 ", "Ä1", "A1", "R1"]  # R1 twice: one invoice
    rows = [
        spooled_row(line, customer=customer, invoice=invoice)
        for line, (customer, invoice) in enumerate(
            [(customer, invoice) for customer in customers for invoice in invoices], start=2
        )
    ]
    for number in customers:
        Account.objects.create(customer_number=number, name=number)
    spool = spools.TableSpool(sum_up=True)
    try:
        spool.begin(1)
        spool.append(1, rows)
        spool.finish(1)
        spool.wait()
        totals = f"{spool.table(1)}_months"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT customer_number, line_count, invoice_count FROM {totals} "  # noqa: S608
                "ORDER BY customer_number"
            )
            assert cursor.fetchall() == [(number, 6, 5) for number in sorted(customers)]
            # The totals join the accounts by number (kam.sales.facts._facts_from_totals).
            cursor.execute(
                f"SELECT COUNT(*) FROM {totals} m JOIN accounts_account a "  # noqa: S608
                "ON a.customer_number = m.customer_number"
            )
            assert cursor.fetchone() == (5,)
    finally:
        spool.close()


def _dates(months: list[int], per_month: int = 10) -> list[str]:
    return [f"{day:02d}.{month:02d}.2025" for month in months for day in range(1, per_month + 1)]


def _first_import_in_small_chunks(tmp_path, monkeypatch, dates: list[str]) -> list[int]:
    """Imports a line per date (customers 10001-10003 in turn) into an empty table, in chunks
    of about 24 rows read 4 at a time, the indexes deferred where the database does; returns
    the ``lines_after`` of each refresh of touched months."""
    from kam.sales import importer, pipeline, staging

    monkeypatch.setattr(staging, "DEFER_INDEX_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "CHUNK_SIZE", 24)
    monkeypatch.setattr(pipeline, "READ_STEP", 4)
    seen: list[int] = []
    refresh = facts.refresh_touched

    def noting(**kwargs):
        seen.append(kwargs.get("lines_after", 0))
        return refresh(**kwargs)

    monkeypatch.setattr(facts, "refresh_touched", noting)
    lines = [(f"1000{1 + n % 3}", f"R-{n}", date) for n, date in enumerate(dates)]
    report, _ = import_sales(paths=[write(tmp_path, "export.csv", _month_export(*lines))])
    assert report.imported == len(dates)
    return seen


def test_months_that_chunks_of_an_export_sorted_by_date_share_are_summed_from_all_lines(
    tmp_path, monkeypatch
):
    # Months of 40 lines, chunks of 24 to 30: a chunk ends where a month ends only when one
    # ends in time (kam.sales.pipeline.RowSorter.chunks), else inside a month.
    dates = [f"{1 + n // 2:02d}.{month:02d}.2025" for month in range(1, 13) for n in range(40)]
    seen = _first_import_in_small_chunks(tmp_path, monkeypatch, dates)

    assert stored_facts() == facts_from_lines()
    # Later chunks read only the lines from the chunk before on.
    assert len([after for after in seen if after > 0]) >= 2


def test_a_month_that_comes_back_chunks_later_is_summed_from_all_its_lines(tmp_path, monkeypatch):
    # February's first days in the first chunk, the rest of it after months of others.
    dates = _dates([1, 2]) + _dates(list(range(3, 10))) + [f"{day:02d}.02.2025" for day in (27,)]
    dates += _dates([2], per_month=3)  # the same days again: other invoices

    _first_import_in_small_chunks(tmp_path, monkeypatch, dates)

    assert stored_facts() == facts_from_lines()
    february = MonthlyFact.objects.filter(month__month=2)
    assert sum(fact.line_count for fact in february) == 14
