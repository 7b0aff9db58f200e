"""The importer against a model of what it must do: random exports, imported one after another.

Each export draws lines from a small pool of keys, so exports overlap, repeat keys within a
file (with the same or other values), correct earlier lines and move them between accounts and
months. After every import the stored lines must equal the model's, the report must count what
the model counts, and every monthly fact must equal the sum of its lines. Small chunks make
months span chunks, which exercises both ways the facts are kept (month totals and recomputing).
"""

import tempfile
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.accounts.models import Account
from kam.sales import importer, staging
from kam.sales.importer import import_sales
from kam.sales.models import MonthlyFact, SalesLine
from kam.sales.pipeline import KeyFilter
from kam.sales.tests.facts import facts_from_lines, stored_facts
from kam.sales.tests.spools import record_spools, spool_left

pytestmark = pytest.mark.django_db

HEADER = "Kundennummer;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;Menge;Nettoumsatz;DB\n"

rows = st.tuples(
    st.sampled_from(["100", "101", "102", "103"]),  # customer
    st.integers(0, 7),  # invoice
    st.integers(1, 3),  # position
    st.sampled_from(["03.01.2025", "28.01.2025", "01.02.2025", "17.03.2025", "31.03.2025"]),
    st.sampled_from(["A1", "A2"]),  # product
    st.integers(1, 9),  # quantity
    st.integers(-500, 5000),  # revenue in cents
    st.integers(-100, 900),  # margin in cents
)
exports = st.lists(st.lists(rows, min_size=1, max_size=25), min_size=1, max_size=4)


def _write(folder: Path, number: int, export: list[tuple]) -> Path:
    path = folder / f"export-{number}.csv"
    body = "".join(
        f"{customer};R-{invoice};{position};{day};{product};{quantity};"
        f"{revenue // 100},{abs(revenue) % 100:02d};{margin // 100},{abs(margin) % 100:02d}\n"
        for customer, invoice, position, day, product, quantity, revenue, margin in export
    )
    path.write_text(HEADER + body, encoding="cp1252")
    return path


def _german_cents(cents: int) -> int:
    """What the file above says, read back: whole units and the cents' absolute value."""
    whole, rest = cents // 100, abs(cents) % 100
    return whole * 100 + (rest if whole >= 0 else -rest)


def _expected_counts(stored: dict, export: list[tuple]) -> tuple[int, int, int, int, int]:
    """Imports the export into the model; (imported, updated, unchanged, duplicates, rejected)."""
    first: dict[tuple, tuple] = {}
    duplicates = rejected = 0
    for customer, invoice, position, day, product, quantity, revenue, margin in export:
        values = (customer, day, product, quantity, _german_cents(revenue), _german_cents(margin))
        key = (f"R-{invoice}", position)
        if key not in first:
            first[key] = values
        elif first[key] == values:
            duplicates += 1
        else:
            rejected += 1
    imported = updated = unchanged = 0
    for key, values in first.items():
        if key not in stored:
            imported += 1
        elif stored[key] != values:
            updated += 1
        else:
            unchanged += 1
        stored[key] = values
    return imported, updated, unchanged, duplicates, rejected


def _stored_lines() -> dict:
    return {
        (line.invoice_number, line.line_number): (
            line.account.customer_number,
            f"{line.invoice_date:%d.%m.%Y}",
            line.product_number,
            int(line.quantity or 0),
            line.net_revenue_cents,
            line.margin_cents,
        )
        for line in SalesLine.objects.select_related("account")
    }


EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EXAMPLES
@given(exports=exports, chunk_size=st.sampled_from([3, 7, 50]))
def test_imports_follow_the_model(exports, chunk_size, monkeypatch):
    _imports_follow_the_model(exports, chunk_size, monkeypatch)


@pytest.mark.django_db(transaction=True)
@EXAMPLES
@given(exports=exports, chunk_size=st.sampled_from([3, 7, 50]))
def test_imports_follow_the_model_outside_a_transaction(exports, chunk_size, monkeypatch):
    """As an import runs in production: the reader thread spools the chunks."""
    spools = record_spools(monkeypatch)
    _imports_follow_the_model(exports, chunk_size, monkeypatch)
    assert len(spools) == len(exports)
    assert not any(spool_left(spool) for spool in spools)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL defers the key")
@pytest.mark.django_db(transaction=True)
@settings(EXAMPLES, max_examples=20)
@given(exports=exports, chunk_size=st.sampled_from([3, 7, 50]), maybe_all=st.booleans())
def test_first_imports_that_defer_the_key_follow_the_model(
    exports, chunk_size, maybe_all, monkeypatch
):
    """Each example's first export goes in without the unique key (staging.defer_indexes),
    its rows that may repeat an earlier chunk's set aside until the key is there; with
    ``maybe_all`` the reader's filter says "maybe" for every key, as it does for a few."""
    monkeypatch.setattr(staging, "DEFER_INDEX_MIN_BYTES", 0)
    if maybe_all:
        monkeypatch.setattr(KeyFilter, "check", lambda _self, hashes: [True] * len(hashes))
    _imports_follow_the_model(exports, chunk_size, monkeypatch)


def _imports_follow_the_model(exports, chunk_size, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_SIZE", chunk_size)
    SalesLine.objects.all().delete()
    MonthlyFact.objects.all().delete()
    Account.objects.all().delete()
    model: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        for number, export in enumerate(exports):
            expected = _expected_counts(model, export)

            report, _ = import_sales(paths=[_write(Path(folder), number, export)])

            counted = (
                report.imported,
                report.updated,
                report.unchanged,
                report.duplicates_in_file,
                len(report.rejected),
            )
            assert counted == expected
            lines = [row["line"] for row in report.rejected]
            assert lines == sorted(lines)
            assert _stored_lines() == model
            assert stored_facts() == facts_from_lines()
