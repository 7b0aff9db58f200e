"""What an import keeps for a whole file stays bounded (issue #17): the invoice line counter and
the known customer numbers forget or move out what they hold beyond a limit, and stay exact."""

import random

import pytest

from kam.accounts.models import Account
from kam.sales.importer import import_sales
from kam.sales.pipeline import KnownCustomers
from kam.sales.reading.columns import InvoiceLineCounter


def test_invoice_lines_are_numbered_exactly_when_counts_move_out_of_memory():
    rng = random.Random(7)
    invoices = [f"RE{rng.randrange(400):05d}" for _ in range(5_000)]
    bounded, unbounded = InvoiceLineCounter(kept=50), InvoiceLineCounter(kept=10**9)
    numbers, expected = [], []
    for start in range(0, len(invoices), 64):
        block = invoices[start : start + 64]
        numbers += bounded.number(block)
        expected += unbounded.number(block)
    assert numbers == expected
    assert len(bounded._counts) <= 50 + 64


def test_known_customers_forget_beyond_their_limit():
    known = KnownCustomers(["1", "2"], limit=3)
    assert known.unknown(["1", "3"]) == {"3"}
    known.add({"3"})
    known.add({"4"})  # over the limit: everything known before is forgotten
    assert len(known) == 1
    assert known.unknown(["1", "4"]) == {"1"}


def test_known_customers_stay_known_once_they_join_the_sorted_ones(monkeypatch):
    monkeypatch.setattr(KnownCustomers, "MERGE_AT", 2)
    assert "K1" not in KnownCustomers() and KnownCustomers().unknown(["K1"]) == {"K1"}
    known = KnownCustomers(["K10", "K2"], limit=6)
    known.add({"K1"})
    known.add({"K30", "K4"})  # the latest three join the sorted ones

    assert len(known) == 5
    assert known.unknown(["K1", "K2", "K3", "K30", "K4", "K5", "K10"]) == {"K3", "K5"}
    assert "K30" in known and "K3" not in known and 30 not in known
    known.add({"K5", "K6"})  # over the limit: all forgotten but these
    assert known.unknown(["K1", "K5", "K6"]) == {"K1"}


@pytest.mark.django_db
def test_forgotten_customers_are_not_created_twice(tmp_path, monkeypatch):
    monkeypatch.setattr(KnownCustomers, "LIMIT", 2)
    Account.objects.create(customer_number="K1", name="Bestand")
    path = _export(tmp_path, customers=5)
    dry, _ = import_sales(paths=[path], dry_run=True)
    report, _ = import_sales(paths=[path])
    assert dry.accounts_created == report.accounts_created == 4
    assert Account.objects.get(customer_number="K1").name == "Bestand"
    assert Account.objects.count() == 5


@pytest.mark.django_db
def test_new_accounts_are_created_in_batches_each_once(tmp_path, monkeypatch):
    from kam.sales import importer

    monkeypatch.setattr(importer, "ACCOUNT_BATCH", 2)
    Account.objects.create(customer_number="K3", name="Bestand")

    report, _ = import_sales(paths=[_export(tmp_path, customers=7)])

    assert report.accounts_created == 6
    assert sorted(Account.objects.values_list("customer_number", "name")) == [
        *((f"K{k}", f"Kunde {k}") for k in range(3)),
        ("K3", "Bestand"),
        *((f"K{k}", f"Kunde {k}") for k in range(4, 7)),
    ]


def _export(tmp_path, *, customers: int):
    """40 lines of customers K0, K1, ... in turn, each named "Kunde <n>"."""
    rows = [
        f"K{k % customers};Kunde {k % customers};RE{k:04d};1;0{1 + k % 9}.03.2024;100,00"
        for k in range(40)
    ]
    path = tmp_path / "export.csv"
    path.write_text(
        "Kundennummer;Kundenname;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_the_key_filter_keeps_its_wrong_maybes_rare():
    import random

    from kam.sales.pipeline import KeyFilter

    keys = [(f"R{i}", 1) for i in range(200_000)]
    key_filter = KeyFilter()
    key_filter.add(KeyFilter.hashes(keys))
    others = [(f"S{random.randrange(10**9)}", 1) for _ in range(200_000)]

    assert all(key_filter.check(KeyFilter.hashes(keys)))  # never "not before" for a key seen
    assert sum(key_filter.check(KeyFilter.hashes(others))) < 200_000 * 0.001
