"""Benchmark the global search and the type-ahead pickers (kam/search) on a large portfolio.

Run as `python bench/bench_search.py [--accounts 100000 --stakeholders 500000]
[--database sqlite|postgres|both]` from the repository root. Each database is measured in a
process of its own: SQLite in a temporary KAM_DATA_DIR (or `--sqlite-dir DIR`, kept for a later
`--reuse`), PostgreSQL in the database named by
`--postgres-url` (default postgres://postgres@127.0.0.1:5432/h2, dropped and created anew).

Data: accounts with German company names (umlauts included) and cities, stakeholders with German
first and last names, 5 % of the accounts owned by one key account manager (who sees those, and
whose searches are scoped), the rest by others. The index is built with `index_rebuild`.

Timed (p50/p95 over a fixed set of queries: name prefixes, the same names spelled without
umlauts, exact customer numbers, two-word queries, queries that find nothing):
- global search: GET /search/suggest/?q=... (the top bar's dropdown), the whole request through
  Django (session, scoping, four kinds, rendering), as leadership and as the key account manager;
- type-ahead: GET /search/pick/accounts/?q=... and /search/pick/stakeholders/?q=...
Targets: global search p95 <= 100 ms, type-ahead p95 <= 50 ms.

Peer, measured in the same run: the search kam had before, `icontains` on the names (a scan of
every row; it finds neither "bohm" for "Böhm" nor a word in the middle ranked), for the same
queries against accounts and stakeholders, as leadership.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCH_TARGET_MS = 100.0
PICK_TARGET_MS = 50.0
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/h2"

LAST = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König "
    "Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel "
    "Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht "
    "Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer "
    "Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel "
    "Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Öztürk Çelik Łukasz Dvořák"
).split()
FIRST = (
    "Anna Jürgen Jörg Sören Björn Uwe Günter Käthe Hans Peter Klaus Sabine Petra Monika Thomas "
    "Andreas Stefan Michael Christian Maria Ursula Renate Helga Dieter Wolfgang Manfred Jürgen "
    "Gerhard Bärbel Frauke Malte Lena Lukas Leon Mia Emma Noah Elias Ömer Zoë Chloé"
).split()
TRADES = (
    "Maschinenbau Logistik Pumpen Stahlbau Elektrotechnik Präzisionsteile Kunststofftechnik "
    "Verpackungen Getriebe Armaturen Lebensmittel Bäckereibedarf Großhandel Hydraulik Druckluft "
    "Oberflächentechnik Zerspanung Gießerei Fördertechnik Sicherheitstechnik"
).split()
FORMS = ["GmbH", "AG", "GmbH & Co. KG", "KG", "SE", "e.K."]
CITIES = (
    "München Köln Düsseldorf Nürnberg Würzburg Lübeck Göttingen Osnabrück Saarbrücken Mülheim "
    "Berlin Hamburg Stuttgart Frankfurt Bremen Essen Dortmund Leipzig Dresden Hannover Fürth "
    "Gießen Tübingen Lüneburg Böblingen Jülich"
).split()
ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def company(rng: random.Random) -> str:
    return f"{rng.choice(LAST)} {rng.choice(TRADES)} {rng.choice(FORMS)}"


def setup_django(database_url: str | None, data_dir: str) -> None:
    os.environ["KAM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
    os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["KAM_LOG_LEVEL"] = "WARNING"
    os.environ["KAM_ALLOWED_HOSTS"] = "testserver,localhost"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fresh_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def create_portfolio(n_accounts: int, n_stakeholders: int, rng: random.Random):
    from kam.accounts.models import Account, Stakeholder
    from kam.users.models import Role, User

    def user(username: str, role: str, manager=None) -> User:
        # No password: hashing one costs more than the benchmark's data.
        unusable = "!"  # the form Django stores for "no password"
        return User.objects.create(username=username, role=role, manager=manager, password=unusable)

    leader = user("bench-leader", Role.LEADERSHIP)
    manager = user("bench-kam", Role.KEY_ACCOUNT_MANAGER, leader)
    others = [user(f"bench-other-{i}", Role.KEY_ACCOUNT_MANAGER) for i in range(19)]
    owners = [manager, *others]
    Account.objects.bulk_create(
        (
            Account(
                customer_number=f"{100000 + i}",
                name=company(rng),
                city=rng.choice(CITIES),
                owner=owners[i % len(owners)],
            )
            for i in range(n_accounts)
        ),
        batch_size=5_000,
    )
    ids = list(Account.objects.values_list("pk", flat=True))
    for start in range(0, n_stakeholders, 50_000):
        Stakeholder.objects.bulk_create(
            (
                Stakeholder(
                    account_id=ids[(start + i) % len(ids)],
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                    position="Einkauf",
                )
                for i in range(min(50_000, n_stakeholders - start))
            ),
            batch_size=5_000,
        )
    return leader, manager


def vacuum_analyze(database: str) -> None:
    """What autovacuum does after a bulk load (statistics, and a visibility map so the index
    alone answers), done at once so the run does not measure its absence; SQLite has none."""
    if database != "postgres":
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def queries(rng: random.Random, n_accounts: int) -> list[str]:
    found: list[str] = []
    for _ in range(40):
        name = rng.choice(LAST)
        found.append(name[: rng.randint(3, len(name))])  # a prefix as typed
        found.append(name.translate(ASCII).lower())  # without umlauts
        found.append(f"{100000 + rng.randrange(n_accounts)}")  # an exact customer number
        found.append(f"{rng.choice(LAST)} {rng.choice(TRADES)[:4]}")  # two words
        found.append(rng.choice(CITIES).translate(ASCII))
    found += ["xyzzy", "qqq", "zz"]
    rng.shuffle(found)
    return found


#: CPU milliseconds of this process (Django, not the database server) per timed request.
CPU_MS: list[float] = []


def timed(client, url: str, query: str) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, {"q": query})
    elapsed = (time.perf_counter() - start) * 1000
    CPU_MS.append((time.process_time() - cpu) * 1000)
    assert response.status_code == 200, (url, query, response.status_code)
    return elapsed


def backend_cpu_seconds() -> float:
    """CPU seconds (user + system) so far of the PostgreSQL backend serving this process (Linux
    /proc; 0 on SQLite, whose work is this process's CPU): the database's share of a request,
    apart from the machine's other work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def peer(query: str) -> None:
    from kam.accounts.models import Account, Stakeholder

    list(Account.objects.filter(name__icontains=query)[:8])
    list(Stakeholder.objects.filter(last_name__icontains=query)[:8])


def leg(
    database: str, n_accounts: int, n_stakeholders: int, url: str, reuse: bool, keep: str
) -> None:
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = keep or temporary
        if database == "postgres" and not reuse:
            fresh_postgres(url)
        setup_django(url if database == "postgres" else None, data_dir)
        from django.test import Client

        from kam.search.index import index_rebuild
        from kam.users.models import User

        if reuse:  # the data of an earlier run (PostgreSQL, or SQLite with --sqlite-dir)
            leader = User.objects.get(username="bench-leader")
            manager = User.objects.get(username="bench-kam")
            print(f"[{database}] reusing the portfolio and index of an earlier run", flush=True)
            vacuum_analyze(database)
        else:
            start = time.perf_counter()
            leader, manager = create_portfolio(n_accounts, n_stakeholders, rng)
            created = time.perf_counter() - start
            start = time.perf_counter()
            counts = index_rebuild()
            indexed = time.perf_counter() - start
            vacuum_analyze(database)
            print(
                f"[{database}] {n_accounts:,} accounts, {n_stakeholders:,} stakeholders created "
                f"in {created:.1f} s; index built in {indexed:.1f} s ({counts})",
                flush=True,
            )
        asked = queries(rng, n_accounts)
        results = {}
        for who, user in (("leadership", leader), ("key account manager", manager)):
            client = Client()
            client.force_login(user)
            timed(client, "/search/suggest/", "warm")  # the first request loads the URLconf
            for name, url_path in (
                ("global search", "/search/suggest/"),
                ("type-ahead accounts", "/search/pick/accounts/"),
                ("type-ahead stakeholders", "/search/pick/stakeholders/"),
            ):
                CPU_MS.clear()
                server = backend_cpu_seconds()
                samples = [timed(client, url_path, query) for query in asked]
                server = (backend_cpu_seconds() - server) * 1000 / len(asked)
                results[(name, who)] = (*percentiles(samples), *percentiles(CPU_MS), server)
        from kam.core.plugins import global_search

        peer_samples, direct_samples = [], []
        for query in asked:
            start = time.perf_counter()
            peer(query)
            peer_samples.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            global_search(leader, query)
            direct_samples.append((time.perf_counter() - start) * 1000)
        peer_p50, peer_p95 = percentiles(peer_samples)
        direct_p50, direct_p95 = percentiles(direct_samples)
        print(
            f"[{database}] {len(asked)} queries each; wall-clock milliseconds p50 / p95 (target), "
            "then this process's CPU milliseconds p50 / p95 (the database server's not counted), "
            "then the PostgreSQL backend's mean CPU milliseconds per request (load: "
            f"{os.getloadavg()[0]:.1f})"
        )
        ok = True
        for (name, who), (p50, p95, cpu50, cpu95, server) in results.items():
            target = SEARCH_TARGET_MS if name == "global search" else PICK_TARGET_MS
            verdict = "ok" if p95 <= target else "MISSED"
            ok &= p95 <= target
            print(
                f"[{database}]   {name:24} as {who:20} {p50:7.1f} / {p95:7.1f}  "
                f"(<= {target:.0f}) {verdict:6}  CPU {cpu50:6.1f} / {cpu95:6.1f}"
                + (f"  server CPU {server:5.1f}" if database == "postgres" else "")
            )
        print(
            f"[{database}]   without the request (both as leadership, functions only): "
            f"global_search {direct_p50:.1f} / {direct_p95:.1f}; peer, icontains on account and "
            f"stakeholder names (no umlauts, no ranking, no scope) {peer_p50:.1f} / "
            f"{peer_p95:.1f}; p95 ratio ours / peer = {direct_p95 / peer_p95:.2f}"
        )
        if database == "postgres":
            from django.db import connections

            connections.close_all()
        if not ok:
            sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--stakeholders", type=int, default=500_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--leg", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help="measure the data of an earlier run")
    parser.add_argument(
        "--sqlite-dir", default="", help="SQLite: keep the data in this directory (for --reuse)"
    )
    args = parser.parse_args()
    if args.leg:
        leg(
            args.leg,
            args.accounts,
            args.stakeholders,
            args.postgres_url,
            args.reuse,
            args.sqlite_dir,
        )
        return
    legs = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    failed = []
    for database in legs:
        command = [sys.executable, __file__, "--leg", database, "--accounts", str(args.accounts)]
        command += ["--stakeholders", str(args.stakeholders), "--postgres-url", args.postgres_url]
        command += ["--sqlite-dir", args.sqlite_dir] + (["--reuse"] if args.reuse else [])
        if subprocess.run(command, check=False).returncode:
            failed.append(database)
    if failed:
        sys.exit(f"targets missed or errors on: {', '.join(failed)}")


if __name__ == "__main__":
    main()
