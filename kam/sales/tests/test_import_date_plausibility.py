"""Implausible invoice dates (#13.14): before 1990 or more than KAM_IMPORT_MAX_FUTURE_DAYS after
the import day are rejected with a reason in the report, and never become an account's newest
invoice."""

import datetime
from pathlib import Path

import pytest
import time_machine

from kam.sales.importer import import_sales
from kam.sales.models import SalesLine
from kam.sales.reading import RejectedRow, SalesRow, open_sales_file
from kam.sales.reading.dates import latest_plausible_date

HEADER = "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"
TODAY = datetime.date(2026, 11, 30)


def write(tmp_path: Path, *dates: str) -> Path:
    body = "".join(f"1000{i};Kunde {i};R-{i};1;{d};10,00\n" for i, d in enumerate(dates))
    path = tmp_path / "export.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_reader_refuses_dates_before_1990_and_after_the_latest_plausible_day(tmp_path):
    path = write(tmp_path, "01.01.2099", "31.12.1989", "01.01.1990", "30.12.2026", "31.12.2026")
    rows = list(open_sales_file(path, latest_date=datetime.date(2026, 12, 30)).rows())
    codes = [row.code if isinstance(row, RejectedRow) else "ok" for row in rows]
    assert codes == ["date_implausible", "date_implausible", "ok", "ok", "date_implausible"]
    assert "unplausibel" in rows[0].reason and "01.01.2099" in rows[0].reason
    assert all(isinstance(row, SalesRow) for row in (rows[2], rows[3]))


def test_without_a_limit_the_reader_allows_a_month_from_today(tmp_path):
    today = datetime.datetime.now(tz=datetime.UTC).date()
    soon, late = today + datetime.timedelta(days=31), today + datetime.timedelta(days=32)
    path = write(tmp_path, soon.strftime("%d.%m.%Y"), late.strftime("%d.%m.%Y"))
    first, second = open_sales_file(path).rows()
    assert isinstance(first, SalesRow)
    assert isinstance(second, RejectedRow) and second.code == "date_implausible"


def test_latest_plausible_date():
    assert latest_plausible_date(31, TODAY) == datetime.date(2026, 12, 31)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False)
def test_the_import_reports_an_invoice_dated_2099_and_stores_the_rest(tmp_path, settings):
    settings.KAM_IMPORT_MAX_FUTURE_DAYS = 10
    path = write(tmp_path, "01.01.2099", "10.12.2026", "11.12.2026", "15.11.2026")
    report, _ = import_sales(paths=[path])
    rejected = {(r["line"], r["code"]) for r in report.as_json()["rejected"]}
    assert rejected == {(2, "date_implausible"), (4, "date_implausible")}
    assert report.imported == 2
    newest = SalesLine.objects.order_by("-invoice_date").first()
    assert newest is not None and newest.invoice_date == datetime.date(2026, 12, 10)
