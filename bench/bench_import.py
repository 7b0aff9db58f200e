"""Benchmark the sales import: 1,000,000 German cp1252 CSV lines into SQLite and PostgreSQL.

Run as `python bench/bench_import.py [--lines N]` from the repository root (`make bench` runs it).
Each import runs as `kam import-sales` in a fresh database in its own process, so the figure is
end to end (read, validate, insert, monthly facts) and the peak memory is that process's own.

The peer is django-import-export, the library a Django team would reach for, set up as its docs
say (a ModelResource with import_id_fields on the natural key, `import_data` on a tablib
Dataset). It runs in the same run on the first PEER_LINES lines of the same file (on the full
file it would take many minutes); its rate is compared with ours.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sales_data import write_export  # noqa: E402

TARGET_LINES_PER_SECOND = 100_000
TARGET_PEAK_MB = 1024
PEER_LINES = 20_000
KAM = [sys.executable, "-m", "kam.cli"]

PEER_SCRIPT = r"""
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
import django
django.setup()
import tablib
from decimal import Decimal
from import_export import fields, resources, widgets
from kam.accounts.models import Account
from kam.sales.models import SalesLine

class GermanDecimal(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        return Decimal(value.replace(".", "").replace(",", "."))

class Cents(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        return int(Decimal(value.replace(".", "").replace(",", ".")) * 100)

class SalesLineResource(resources.ModelResource):
    account = fields.Field(attribute="account", column_name="Kundennummer",
                           widget=widgets.ForeignKeyWidget(Account, field="customer_number"))
    invoice_number = fields.Field(attribute="invoice_number", column_name="Rechnungsnummer")
    line_number = fields.Field(attribute="line_number", column_name="Position",
                               widget=widgets.IntegerWidget())
    invoice_date = fields.Field(attribute="invoice_date", column_name="Rechnungsdatum",
                                widget=widgets.DateWidget(format="%d.%m.%Y"))
    invoice_month = fields.Field(attribute="invoice_month", column_name="Monat",
                                 widget=widgets.DateWidget(format="%d.%m.%Y"))
    product_number = fields.Field(attribute="product_number", column_name="Artikelnummer")
    product_name = fields.Field(attribute="product_name", column_name="Artikelbezeichnung")
    quantity = fields.Field(attribute="quantity", column_name="Menge", widget=GermanDecimal())
    net_revenue_cents = fields.Field(attribute="net_revenue_cents", column_name="Nettoumsatz",
                                     widget=Cents())
    margin_cents = fields.Field(attribute="margin_cents", column_name="Deckungsbeitrag",
                                widget=Cents())
    currency = fields.Field(attribute="currency", column_name="Waehrung")
    sales_rep = fields.Field(attribute="sales_rep", column_name="Vertreter")

    class Meta:
        model = SalesLine
        import_id_fields = ("invoice_number", "line_number")
        fields = ("account", "invoice_number", "line_number", "invoice_date", "invoice_month",
                  "product_number", "product_name", "quantity", "net_revenue_cents",
                  "margin_cents", "currency", "sales_rep")
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True

path = sys.argv[1]
with open(path, encoding="cp1252") as f:
    dataset = tablib.Dataset().load(f.read(), format="csv", delimiter=";")
numbers = set(dataset["Kundennummer"])
Account.objects.bulk_create(Account(customer_number=n, name=n) for n in numbers)
dataset.append_col(["01." + d[3:] for d in dataset["Rechnungsdatum"]], header="Monat")
dataset.append_col(["EUR"] * len(dataset), header="Waehrung")
started = time.perf_counter()
result = SalesLineResource().import_data(dataset, dry_run=False, use_transactions=True)
elapsed = time.perf_counter() - started
assert not result.has_errors(), result.row_errors()[:3]
print(len(dataset), elapsed)
"""


def data_file(lines: int) -> Path:
    folder = ROOT / "bench" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sales-{lines}.csv"
    if not path.exists():
        write_export(path, lines=lines, accounts=max(lines // 50, 100))
    return path


def run_kam(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([*KAM, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def peak_mb_of_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def import_into(label: str, path: Path, lines: int, env: dict) -> float:
    run_kam(["migrate", "-v0"], env)
    seconds = run_kam(["import-sales", str(path)], env)
    rate = lines / seconds
    peak = peak_mb_of_children()
    print(
        f"import_{label}_{lines // 1000}k: {seconds:.1f} s, {rate:,.0f} lines/s "
        f"(target ≥ {TARGET_LINES_PER_SECOND:,}: {_verdict(rate >= TARGET_LINES_PER_SECOND)}), "
        f"peak memory of the import processes so far {peak:.0f} MB "
        f"(target ≤ {TARGET_PEAK_MB}: {_verdict(peak <= TARGET_PEAK_MB)})"
    )
    again = run_kam(["import-sales", str(path)], env)
    print(
        f"  re-import of the same file (all unchanged): {again:.1f} s, {lines / again:,.0f} lines/s"
    )
    return rate


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def peer_rate(path: Path, env: dict) -> float | None:
    try:
        import import_export  # noqa: F401
    except ImportError:
        print("peer: django-import-export is not installed (pip install -e '.[bench]')")
        return None
    subset = path.parent / f"peer-{PEER_LINES}.csv"
    with path.open(encoding="cp1252") as source, subset.open("w", encoding="cp1252") as out:
        for _ in range(PEER_LINES + 1):
            out.write(source.readline())
    run_kam(["migrate", "-v0"], env)
    result = subprocess.run(
        [sys.executable, "-c", PEER_SCRIPT, str(subset)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows, seconds = result.stdout.split()
    rate = int(rows) / float(seconds)
    print(
        f"peer django-import-export on the first {PEER_LINES:,} lines: {float(seconds):.1f} s, "
        f"{rate:,.0f} lines/s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "KAM_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam_bench"
        ),
    )
    args = parser.parse_args()
    path = data_file(args.lines)
    print(
        f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, cp1252, German numbers and dates"
    )
    base_env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    with tempfile.TemporaryDirectory() as sqlite_dir, tempfile.TemporaryDirectory() as peer_dir:
        ours = import_into("sqlite", path, args.lines, {**base_env, "KAM_DATA_DIR": sqlite_dir})
        pg = _postgres_env(base_env, args.postgres, sqlite_dir)
        if pg:
            import_into("postgresql", path, args.lines, pg)
        peer = peer_rate(path, {**base_env, "KAM_DATA_DIR": peer_dir})
    if peer:
        print(f"ratio: kam imports {ours / peer:.0f}x faster than django-import-export (SQLite)")


def _postgres_env(base_env: dict, url: str, data_dir: str) -> dict | None:
    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        subprocess.run(
            ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"PostgreSQL leg skipped: {error}")
        return None
    return {**base_env, "KAM_DATA_DIR": data_dir, "DATABASE_URL": url}


if __name__ == "__main__":
    main()
