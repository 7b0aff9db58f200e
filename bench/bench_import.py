"""Benchmark the sales import into SQLite and PostgreSQL: speed and peak memory, end to end.

Run as `python bench/bench_import.py [--lines N] [--big-lines N]` from the repository root
(`make bench` runs it). Each import runs as `kam import-sales` in its own process (under
`/usr/bin/time`), so the figures are end to end (read, validate, insert, monthly facts) and the
peak memory is that process's own. Per database:

- the bench file: N German cp1252 lines sorted by date, no bad rows; then its re-import;
- a realistic pair of exports (bench.sales_data.write_realistic_exports): N lines sorted by
  customer, quoted names with the delimiter inside, 1 % bad rows of every kind, 0.2 % repeated
  lines; then a second export overlapping the first by two months;
- with ``--big-lines 10000000`` (or KAM_BENCH_BIG_LINES): a big file, generated into the
  temporary folder and deleted afterwards, then a 50,000-line month imported into the database
  that holds it.

The machine's load (1-minute average) is printed with each run: on a shared machine the wall
time follows it, the CPU seconds of the import process less so.

The peer is django-import-export, the library a Django team would reach for, set up as its docs
say (a ModelResource with import_id_fields on the natural key, `import_data` on a tablib
Dataset). It runs in the same run on the first PEER_LINES lines of the bench file (on the full
file it would take many minutes); its rate is compared with ours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sales_data import write_export, write_realistic_exports  # noqa: E402

TARGET_LINES_PER_SECOND = 100_000
TARGET_PEAK_MB = 1024
TARGET_PEAK_GROWTH = 1.2  # big file's peak / bench file's peak
PEER_LINES = 20_000
INCREMENT_LINES = 50_000
KAM = [sys.executable, "-m", "kam.cli"]

#: Where the peer may be installed apart from the venv (`pip install --target DIR
#: django-import-export`); it is used from there only if present, and never required.
PEER_PATH = os.environ.get("KAM_BENCH_PEER_PATH", "/tmp/s6-peer")

PEER_SCRIPT = r"""
import os, sys, time
if os.environ.get("KAM_BENCH_PEER_PATH"):
    sys.path.append(os.environ["KAM_BENCH_PEER_PATH"])  # after the venv: its Django wins
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


def realistic_files(lines: int) -> tuple[Path, int, Path, int]:
    folder = ROOT / "bench" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    first, second = folder / f"realistic-{lines}.csv", folder / f"realistic-{lines}-next.csv"
    counts = folder / f"realistic-{lines}.counts"
    if not counts.exists():
        made = write_realistic_exports(first, second, lines=lines, accounts=max(lines // 50, 100))
        counts.write_text(f"{made[0]} {made[1]}")
    first_lines, second_lines = map(int, counts.read_text().split())
    return first, first_lines, second, second_lines


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the import process and its reader process
    peak_mb: float  # the larger of the two processes' peak resident memory (/usr/bin/time %M)
    load: float  # the machine's 1-minute load average when the run ended
    # The peak of both processes' memory together (proportional set size, sampled every 0.1 s:
    # the forked reader shares pages with the importing process, counted once here).
    together_mb: float = 0.0


def run_kam(args: list[str], env: dict) -> Run:
    """Runs `kam ARGS`; the wall time ends when the process does (the memory is sampled by a
    thread: a loop that sampled and slept 0.1 s between looks at the process counted up to
    0.1 s more, a twentieth of the next export's time)."""
    with tempfile.NamedTemporaryFile("r") as measured:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", measured.name, *KAM, *args],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        ended = threading.Event()
        sampler = _PeakSampler(process.pid, ended)
        sampler.start()
        process.wait()
        seconds = time.perf_counter() - started
        ended.set()
        sampler.join()
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, process.args)
        peak_kb, user, system = measured.read().split()[-3:]
    cpu = float(user) + float(system)
    return Run(seconds, cpu, int(peak_kb) / 1024, os.getloadavg()[0], sampler.peak_kb / 1024)


class _PeakSampler(threading.Thread):
    """The largest proportional set size of a process tree, sampled every 0.1 s until
    ``ended`` is set."""

    def __init__(self, pid: int, ended: threading.Event) -> None:
        super().__init__(daemon=True)
        self.pid, self.ended, self.peak_kb = pid, ended, 0

    def run(self) -> None:
        while True:
            self.peak_kb = max(self.peak_kb, _tree_pss_kb(self.pid))
            if self.ended.wait(0.1):
                return


def _tree_pss_kb(pid: int) -> int:
    """The proportional set size of a process and all its descendants (0 where gone)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        pss = next(int(line.split()[1]) for line in rollup.splitlines() if line[:4] == "Pss:")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, StopIteration, ValueError):
        return 0
    return pss + sum(_tree_pss_kb(int(child)) for child in children)


def report(label: str, lines: int, run: Run, *, rate_target: bool = True) -> None:
    rate = lines / run.seconds
    verdict = (
        f" (target ≥ {TARGET_LINES_PER_SECOND:,}: {_verdict(rate >= TARGET_LINES_PER_SECOND)})"
        if rate_target
        else ""
    )
    print(
        f"  {label}: {lines:,} lines, {run.seconds:.1f} s, {rate:,.0f} lines/s{verdict}; "
        f"CPU {run.cpu:.1f} s = {lines / run.cpu:,.0f} lines per CPU second; "
        f"peak {run.peak_mb:.0f} MB a process, {run.together_mb:.0f} MB both processes together "
        f"(≤ {TARGET_PEAK_MB}: {_verdict(run.together_mb <= TARGET_PEAK_MB)}); load {run.load:.2f}",
        flush=True,
    )


def import_file(label: str, path: Path, lines: int, env: dict, **options) -> Run:
    run = run_kam(["import-sales", str(path)], env)
    report(label, lines, run, **options)
    return run


def bench_file(path: Path, lines: int, env: dict) -> Run:
    run_kam(["migrate", "-v0"], env)
    run = import_file(f"bench file {path.name}", path, lines, env)
    import_file("  re-import of it (all unchanged)", path, lines, env, rate_target=False)
    return run


def realistic(files: tuple[Path, int, Path, int], env: dict) -> None:
    first, first_lines, second, second_lines = files
    run_kam(["migrate", "-v0"], env)
    import_file(f"realistic export {first.name}", first, first_lines, env)
    import_file(f"  the next one, overlapping two months, {second.name}", second, second_lines, env)


def big_file(path: Path, lines: int, increment: Path, env: dict, bench_peak: float) -> None:
    run_kam(["migrate", "-v0"], env)
    run = import_file(f"big file {path.name}", path, lines, env, rate_target=False)
    growth = run.together_mb / bench_peak
    print(
        f"    peak {growth:.2f}x the bench file's "
        f"(target ≤ {TARGET_PEAK_GROWTH}: {_verdict(growth <= TARGET_PEAK_GROWTH)})"
    )
    import_file(
        f"  a month more ({increment.name}) into the {lines:,}-line database",
        increment,
        INCREMENT_LINES,
        env,
        rate_target=False,
    )


def _machine_speed() -> str:
    """How fast this machine runs Python now: the same import took up to 2.5 times as long
    from one minute to the next on the shared machines of sessions 20-25, and the load average
    did not show it. Runs compare where this loop took about as long (0.22-0.24 s in session
    25's fast minutes, 0.36-0.40 s in its slow ones; a loop at a module's level, as the speeds
    in bench/HISTORY.md were taken, takes about twice as long)."""
    started = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return f"a pure-Python loop of 10,000,000 additions took {time.perf_counter() - started:.2f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def peer_rate(path: Path, env: dict) -> float | None:
    if Path(PEER_PATH).is_dir():
        sys.path.append(PEER_PATH)
        env = {**env, "KAM_BENCH_PEER_PATH": PEER_PATH}
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
        f"peer django-import-export on the first {PEER_LINES:,} lines (SQLite): "
        f"{float(seconds):.1f} s, {rate:,.0f} lines/s; load {os.getloadavg()[0]:.2f}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument(
        "--big-lines",
        type=int,
        default=int(os.environ.get("KAM_BENCH_BIG_LINES", "0")),
        help="the big file's lines (10000000 for the issue's figure; it takes most of an hour"
        " on two cores, so make bench leaves it out unless KAM_BENCH_BIG_LINES is set); 0: none",
    )
    parser.add_argument(
        "--big-file",
        type=Path,
        help="the big file, made before by write_export with the same"
        " lines and lines // 50 accounts (saves generating it again)",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "KAM_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam_bench"
        ),
    )
    args = parser.parse_args()
    path = data_file(args.lines)
    files = realistic_files(args.lines)
    print(
        f"bench file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, cp1252, German numbers "
        f"and dates; realistic: {files[0].name} ({files[1]:,} lines), {files[2].name} "
        f"({files[3]:,} lines); load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
        flush=True,
    )
    # kam as installed: its modules compiled once. An environment that forbids writing the
    # bytecode (PYTHONDONTWRITEBYTECODE, set on some build machines) would have each `kam`
    # process compile its 170 modules again, 0.1 s of every import measured.
    unset = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE")
    base_env = {k: v for k, v in os.environ.items() if k not in unset}
    rates = {}
    with tempfile.TemporaryDirectory() as scratch:
        big = increment = None
        if args.big_lines:
            big, increment = (
                Path(scratch) / f"sales-{args.big_lines}.csv",
                Path(scratch) / "month.csv",
            )
            if args.big_file:
                big = args.big_file
            else:
                write_export(big, lines=args.big_lines, accounts=max(args.big_lines // 50, 100))
            write_export(
                increment,
                lines=INCREMENT_LINES,
                accounts=max(args.big_lines // 50, 100),
                seed=2,
                start_year=2026,
                days=31,
                invoice_prefix="RM",
            )
        for database in args.databases.split(","):
            print(f"{database}: {_machine_speed()}", flush=True)
            rates[database] = _legs(database, args, base_env, path, files, big, increment)
        print(f"after the imports: {_machine_speed()}", flush=True)
        with tempfile.TemporaryDirectory() as peer_dir:
            peer = peer_rate(path, {**base_env, "KAM_DATA_DIR": peer_dir})
    for database, rate in rates.items():
        if peer and rate:
            print(
                f"ratio: kam imports {rate / peer:.0f}x faster than django-import-export "
                f"({database}, bench file)"
            )


def _legs(database, args, base_env, path, files, big, increment) -> float | None:
    """The runs on one database, each series in a database of its own; the bench file's rate."""
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(database, base_env, args.postgres, f"{scratch}/0")
        if env is None:
            return None
        bench = bench_file(path, args.lines, env)
        realistic(files, _env(database, base_env, args.postgres, f"{scratch}/1"))
        if big is not None:
            env = _env(database, base_env, args.postgres, f"{scratch}/2")
            big_file(big, args.big_lines, increment, env, bench.together_mb)
    return args.lines / bench.seconds


def _env(database: str, base_env: dict, url: str, folder: str) -> dict | None:
    """The environment of a fresh, empty database (PostgreSQL's is dropped and made again)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        return {**base_env, "KAM_DATA_DIR": folder}
    return _postgres_env(base_env, url, folder)


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
