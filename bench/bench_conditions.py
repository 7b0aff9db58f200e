"""Benchmark special conditions: price resolution with the full offer check, and the invoiced-price
check over the sales lines.

Run as `python bench/bench_conditions.py [--offers 100 --lines 10000000]` from the repository
root. It migrates a fresh database (SQLite in a temp dir, or `--database-url postgres://…` for an
empty PostgreSQL database) and creates directly (executemany):

- 2,000 products in a three-level group tree, 20,000 accounts (2,000 groups of three levels:
  top → 2 subsidiaries → 1 plant each, the rest single accounts, 20 industries), 20,000 active
  agreements (group tops' apply to their members; 200 with a most-favoured-customer clause by
  group, industry or all) with 200,000 condition lines (8 net prices per product with volume
  tiers on every fifth, 1 group discount and 1 all-products discount per agreement);
- 100 offers of 100 lines to plants at the bottom of the groups (the deepest resolution).

Timed (1): `store_findings(offer)`, the full offer check of one offer (resolution of every line
against the account's group, group conflicts, most-favoured-customer clauses, open offers,
authority and margin floor) and storing the findings; median of the offers and the most
queries one check took. Target: ≤ 50 ms and ≤ 15 queries. Peer, in the same run: resolving the
same lines one at a time (`resolve_price` per line), as a per-line price lookup would; timed on
the first 10 offers, without the check itself.

Timed (2): `price_check_run`, the set-based comparison of every sales line (invoiced unit price
= net revenue / quantity) with the agreed prices, storing the sums per account, product and
month; every 50th generated line deviates. Target: ≤ 10 s for 10 million lines (the default;
`--lines 1000000` while developing, `--data-dir DIR` keeps the SQLite database to time the check
again). The sales lines
are generated in SQL (INSERT … SELECT over a recursive CTE on SQLite, generate_series on
PostgreSQL, a million per statement) from `bench_pick`, each account's 40 products at their
agreed price. The refresh of the agreed-price table (`agreed_prices_refresh`, one INSERT …
SELECT from the agreements and the products each account buys) is reported apart. Peer: the
same comparison in a Python loop over the lines read from the database, timed on the first
500,000 lines and extrapolated linearly (said in the output). Wall-clock and this process's CPU
seconds are printed side by side (on PostgreSQL the server's CPU is not in the figure).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_PRODUCTS = 2_000
N_ACCOUNTS = 20_000
N_GROUPS = 2_000
LINES_PER_AGREEMENT = 10
OFFER_LINES = 100
TARGET_MS = 50.0
TARGET_QUERIES = 15
TARGET_CHECK_SECONDS = 10.0
PEER_LINES = 500_000
AS_OF = date(2026, 6, 15)


def setup_django(data_dir: str, database_url: str | None) -> None:
    os.environ["KAM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
    os.environ.setdefault("KAM_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["KAM_LOG_LEVEL"] = "WARNING"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _insert(table: str, columns: list[str], rows, batch: int = 20_000) -> None:
    from django.db import connection, transaction

    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (ours)
    chunk: list = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def create_catalogue(rng: np.random.Generator) -> tuple[list[int], np.ndarray]:
    from kam.conditions.models import Product, ProductGroup

    leaves = []
    for top in range(10):
        level1 = ProductGroup.objects.create(name=f"Bereich {top}", level=1)
        for middle in range(5):
            level2 = ProductGroup.objects.create(name=f"Gruppe {middle}", parent=level1, level=2)
            for leaf in range(4):
                leaves.append(
                    ProductGroup.objects.create(name=f"Klasse {leaf}", parent=level2, level=3).pk
                )
    prices = rng.integers(1_000, 50_000, size=N_PRODUCTS)  # cents
    Product.objects.bulk_create(
        [
            Product(
                number=f"P{i:05d}",
                name=f"Artikel {i}",
                group_id=leaves[i % len(leaves)],
                list_price=Decimal(int(prices[i])).scaleb(-2),
                standard_cost=Decimal(int(prices[i] * 0.6)).scaleb(-2),
            )
            for i in range(N_PRODUCTS)
        ],
        batch_size=2_000,
    )
    ids = list(Product.objects.order_by("number").values_list("pk", flat=True))
    return ids, prices


def create_accounts() -> list[int]:
    from kam.accounts.models import Account

    Account.objects.bulk_create(
        [
            Account(customer_number=f"K{i:06d}", name=f"Kunde {i}", industry=f"Branche {i % 20}")
            for i in range(N_ACCOUNTS)
        ],
        batch_size=5_000,
    )
    ids = list(Account.objects.order_by("customer_number").values_list("pk", flat=True))
    from django.db import connection

    # 0..1999 tops, 2000..5999 subsidiaries (two per top), 6000..9999 plants (one each)
    updates = [(ids[(i - N_GROUPS) // 2], ids[i]) for i in range(N_GROUPS, 3 * N_GROUPS)]
    updates += [(ids[i - 2 * N_GROUPS], ids[i]) for i in range(3 * N_GROUPS, 5 * N_GROUPS)]
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE accounts_account SET parent_id = %s WHERE id = %s", updates)
    return ids


def create_agreements(account_ids, product_ids, prices, rng) -> int:
    """The agreements and their lines; returns the line count."""
    from kam.conditions.models import Agreement, ConditionLine, Product

    scopes = ["group"] * 100 + ["industry"] * 80 + ["all"] * 20
    mfc = dict(zip(rng.choice(N_ACCOUNTS, size=200, replace=False).tolist(), scopes, strict=True))
    Agreement.objects.bulk_create(
        [
            Agreement(
                account_id=account_ids[i],
                title=f"Rahmenvertrag {i}",
                applies_to_members=i < N_GROUPS,
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 12, 31) if i % 7 == 0 else None,
                status="active",
                mfc_scope=mfc.get(i, ""),
            )
            for i in range(N_ACCOUNTS)
        ],
        batch_size=5_000,
    )
    agreements = list(Agreement.objects.order_by("pk").values_list("pk", flat=True))
    groups = dict(Product.objects.values_list("pk", "group__parent_id"))
    rows = []
    for agreement in agreements:
        chosen = rng.choice(N_PRODUCTS, size=LINES_PER_AGREEMENT - 2, replace=False)
        for p in chosen.tolist():
            price = Decimal(int(prices[p] * rng.uniform(0.8, 0.97))).scaleb(-2)
            rows.append((agreement, product_ids[p], None, "net_price", price, None))
        rows.append(
            (agreement, None, groups[product_ids[int(chosen[0])]], "discount", None, Decimal(4))
        )
        rows.append((agreement, None, None, "discount", None, Decimal(2)))
    _insert(
        ConditionLine._meta.db_table,
        ["agreement_id", "product_id", "product_group_id", "kind", "net_price", "percent"],
        rows,
    )
    product_lines = ConditionLine.objects.filter(kind="net_price").values_list("pk", "net_price")
    tiers = [
        (pk, Decimal(quantity), (price * factor).quantize(Decimal("0.01")), None)
        for pk, price in product_lines
        if pk % 5 == 0
        for quantity, factor in ((20, Decimal("0.95")), (100, Decimal("0.9")))
    ]
    _insert("conditions_conditiontier", ["line_id", "from_quantity", "net_price", "percent"], tiers)
    return len(rows)


def create_offers(account_ids, product_ids, prices, rng, user, n_offers: int) -> list:
    from kam.conditions.models import Offer, OfferLine

    plants = account_ids[3 * N_GROUPS : 5 * N_GROUPS]
    offers = Offer.objects.bulk_create(
        [
            Offer(
                number=f"ANG-2026-{n + 1:05d}",
                account_id=plants[int(rng.integers(len(plants)))],
                title=f"Angebot {n}",
                valid_until=AS_OF + timedelta(days=30),
                created_by=user,
            )
            for n in range(n_offers)
        ]
    )
    lines = []
    for offer in offers:
        for position, p in enumerate(rng.choice(N_PRODUCTS, size=OFFER_LINES).tolist(), 1):
            list_price = Decimal(int(prices[p])).scaleb(-2)
            lines.append(
                OfferLine(
                    offer=offer,
                    position=position,
                    product_id=product_ids[p],
                    quantity=Decimal(int(rng.integers(1, 150))),
                    list_price=list_price,
                    price=(list_price * Decimal("0.9")).quantize(Decimal("0.01")),
                    cost=(list_price * Decimal("0.6")).quantize(Decimal("0.01")),
                )
            )
    OfferLine.objects.bulk_create(lines, batch_size=5_000)
    return list(Offer.objects.filter(pk__in=[o.pk for o in offers]).select_related("account"))


def bench_offer_check(offers, user) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kam.conditions.offers import store_findings

    timings, cpu, queries, findings = [], [], [], 0
    for offer in offers:
        with CaptureQueriesContext(connection) as captured:
            start, cpu_start = time.perf_counter(), time.process_time()
            findings += len(store_findings(offer, user=user))
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
        queries.append(len(captured))
    median = statistics.median(timings)
    print(
        f"offer check ({OFFER_LINES} lines, full check and storing the findings): median "
        f"{median:.1f} ms wall ({statistics.median(cpu):.1f} ms CPU), "
        f"p90 {statistics.quantiles(timings, n=10)[-1]:.1f} ms over "
        f"{len(offers)} offers; queries per check: max {max(queries)}; "
        f"{findings / len(offers):.0f} findings per offer "
        f"(target ≤ {TARGET_MS:.0f} ms and ≤ {TARGET_QUERIES} queries: "
        f"{'met' if median <= TARGET_MS and max(queries) <= TARGET_QUERIES else 'NOT met'})"
    )
    return median


def bench_resolution_peer(offers) -> float:
    from kam.conditions.resolution import resolve_price

    timings = []
    for offer in offers[:10]:
        lines = list(offer.lines.select_related("product__group__parent__parent"))
        start = time.perf_counter()
        for line in lines:
            resolve_price(
                account=offer.account, product=line.product, quantity=line.quantity, as_of=AS_OF
            )
        timings.append((time.perf_counter() - start) * 1000)
    median = statistics.median(timings)
    print(f"peer, per-line resolution of the same lines (no check): median {median:.1f} ms")
    return median


_SALES_COLUMNS = (
    "account_id, invoice_number, line_number, invoice_date, invoice_month, product_number, "
    "product_name, quantity, net_revenue_cents, currency, sales_rep"
)


def _sql_dialect() -> dict[str, str]:
    """The few expressions SQLite and PostgreSQL write differently."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return {
            "numbers": "SELECT generate_series(CAST(%(start)s AS BIGINT), %(stop)s - 1) AS n",
            "day": "(DATE '2026-01-01' + CAST(n %% 160 AS INTEGER))",
            "month": "CAST(date_trunc('month', DATE '2026-01-01' + CAST(n %% 160 AS INTEGER))"
            " AS DATE)",
            "text": "CAST(n AS TEXT)",
        }
    return {
        "numbers": "WITH RECURSIVE seq(n) AS (SELECT %(start)s UNION ALL SELECT n + 1 FROM seq "
        "WHERE n + 1 < %(stop)s) SELECT n FROM seq",
        "day": "date('2026-01-01', '+' || (n %% 160) || ' days')",
        "month": "date('2026-01-01', '+' || (n %% 160) || ' days', 'start of month')",
        "text": "CAST(n AS TEXT)",
    }


def _execute(sql: str, params=None) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params if params is not None else ())  # "%%" is always "%"
        return cursor.rowcount


def create_pick_table() -> int:
    """`bench_pick`: what each account buys (its agreement's products and 32 more), numbered
    0..k-1, so that the sales lines are generated in SQL by picking row n * prime mod k."""
    from kam.conditions.models import Product

    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    first_product = ids[0]
    assert ids == list(range(first_product, first_product + N_PRODUCTS)), "fresh database"
    _execute("DROP TABLE IF EXISTS bench_pick")
    _execute(
        f"""
        CREATE TABLE bench_pick AS
        SELECT ROW_NUMBER() OVER (ORDER BY account_id, product_id) - 1 AS k, account_id,
            product_id, CAST(0 AS BIGINT) AS unit_cents
        FROM (
          SELECT a.account_id, l.product_id FROM conditions_conditionline l
          JOIN conditions_agreement a ON a.id = l.agreement_id WHERE l.product_id IS NOT NULL
          UNION
          SELECT acc.id, p.id FROM accounts_account acc
          JOIN (SELECT 0 AS i {" ".join(f"UNION ALL SELECT {i}" for i in range(1, 32))}) i ON 1 = 1
          JOIN conditions_product p
            ON p.id = {first_product} + (acc.id * 37 + i.i * 61) %% {N_PRODUCTS}
        ) x
        """  # noqa: S608 (bench-owned tables and numbers)
    )
    _execute("CREATE UNIQUE INDEX bench_pick_k ON bench_pick (k)")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_pick")
        return cursor.fetchone()[0]


def price_pick_table() -> None:
    """The unit price of each pick: the agreed price (from_quantity 0; the lines have fewer
    than 20 pieces, below every tier) or the list price."""
    _execute(
        """
        UPDATE bench_pick SET unit_cents = COALESCE(
          (SELECT ap.price_cents FROM conditions_agreedprice ap
           JOIN conditions_product p ON p.number = ap.product_number
           WHERE ap.account_id_value = bench_pick.account_id AND p.id = bench_pick.product_id
             AND ap.from_quantity = 0 ORDER BY ap.price_cents LIMIT 1),
          (SELECT CAST(ROUND(p.list_price * 100) AS BIGINT) FROM conditions_product p
           WHERE p.id = bench_pick.product_id))
        """
    )


def insert_sales_lines(start: int, stop: int, picks: int, prefix: str, *, priced: bool) -> None:
    """Sales lines start..stop-1 in one INSERT … SELECT: pick n * 7919 mod k, 1 to 19 pieces,
    every 50th line off its price by -20 % to +20 %."""
    sql = _sql_dialect()
    deviation = "CASE WHEN n %% 50 = 0 THEN 80 + (n * 31) %% 41 ELSE 100 END"
    quantity = "(1 + (n * 40503) %% 19)"
    revenue = f"k.unit_cents * {quantity} * {deviation} / 100" if priced else "100"
    _execute(
        f"""
        INSERT INTO sales_salesline ({_SALES_COLUMNS})
        SELECT k.account_id, '{prefix}' || {sql["text"]}, 1, {sql["day"]}, {sql["month"]},
            p.number, '', {quantity}, {revenue}, 'EUR', ''
        FROM ({sql["numbers"]}) numbers
        JOIN bench_pick k ON k.k = (n * 7919) %% %(picks)s
        JOIN conditions_product p ON p.id = k.product_id
        """,  # noqa: S608 (bench-owned SQL, numbers as parameters)
        {"start": start, "stop": stop, "picks": picks},
    )


def create_sales_lines(n_lines: int) -> None:
    """The sales lines, generated in SQL: first one seed line per pick (so that the agreed-price
    refresh knows what each account buys), then the picks' agreed prices, then `n_lines` lines
    at those prices, 2 % of them off by up to 20 %."""
    from kam.conditions import invoiced

    picks = create_pick_table()
    insert_sales_lines(0, picks, picks, "S", priced=False)
    invoiced.agreed_prices_refresh(today=AS_OF)
    price_pick_table()
    _execute("DELETE FROM sales_salesline")
    chunk = 1_000_000
    for start in range(0, n_lines, chunk):
        insert_sales_lines(start, min(start + chunk, n_lines), picks, "R", priced=True)


class Stopwatch:
    """Wall-clock and this process's CPU seconds (on PostgreSQL the server's work is not in
    the CPU figure: it runs in the server process)."""

    def __enter__(self) -> Stopwatch:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu_started

    def __str__(self) -> str:
        return f"{self.wall:.1f} s wall, {self.cpu:.1f} s CPU of this process"


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_price_check(n_lines: int) -> float:
    from django.db import connection

    from kam.conditions import invoiced

    with Stopwatch() as watch:
        groups = invoiced.price_check_run()
    seconds = watch.wall
    print(
        f"invoiced-price check over {n_lines:,} sales lines ({connection.vendor}): {watch}, "
        f"{n_lines / watch.wall:,.0f} lines/s, "
        f"{groups:,} account/product/month sums with deviations "
        f"(target ≤ {TARGET_CHECK_SECONDS:.0f} s for 10 million lines: "
        f"{'met' if seconds <= TARGET_CHECK_SECONDS * n_lines / 10_000_000 else 'NOT met'})"
    )
    return seconds


def bench_price_check_peer(n_lines: int) -> float:
    from kam.conditions.models import AgreedPrice
    from kam.sales.models import SalesLine

    agreed: dict = {}
    for row in AgreedPrice.objects.values_list(
        "account_id_value", "product_number", "from_quantity", "price_cents"
    ):
        agreed.setdefault(row[:2], []).append((row[2], row[3]))
    sample = min(PEER_LINES, n_lines)
    start = time.perf_counter()
    sums: dict = {}
    lines = SalesLine.objects.values_list(
        "account_id", "product_number", "invoice_month", "quantity", "net_revenue_cents"
    ).order_by("pk")[:sample]
    for account, number, month, quantity, cents in lines.iterator(chunk_size=20_000):
        tiers = agreed.get((account, number))
        if not tiers or not quantity:
            continue
        price = max((t for t in tiers if t[0] <= quantity), key=lambda t: t[0])[1]
        diff = cents - int(price * quantity)
        if abs(diff) > price * quantity / 100:
            key = (account, number, month)
            sums[key] = sums.get(key, 0) + diff
    seconds = (time.perf_counter() - start) * n_lines / sample
    print(
        f"peer, Python loop over the lines: {seconds:.1f} s for {n_lines:,} lines "
        f"(timed on the first {sample:,}, extrapolated linearly)"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=100)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile one offer check")
    parser.add_argument(
        "--data-dir", default=None, help="keep the SQLite database here (an empty directory)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(19)
    with tempfile.TemporaryDirectory() as temp_dir:
        data_dir = args.data_dir or temp_dir
        setup_django(data_dir, args.database_url)
        from kam.conditions import invoiced
        from kam.users.models import Role, User

        leader = User.objects.create(username="leitung", role=Role.LEADERSHIP)
        kam_user = User.objects.create(
            username="kam", role=Role.KEY_ACCOUNT_MANAGER, manager=leader
        )
        started = time.perf_counter()
        product_ids, prices = create_catalogue(rng)
        account_ids = create_accounts()
        condition_lines = create_agreements(account_ids, product_ids, prices, rng)
        offers = create_offers(account_ids, product_ids, prices, rng, kam_user, args.offers)
        print(
            f"data: {N_PRODUCTS:,} products, {N_ACCOUNTS:,} accounts, {N_ACCOUNTS:,} agreements, "
            f"{condition_lines:,} condition lines, {len(offers)} offers "
            f"({time.perf_counter() - started:.0f} s to create)"
        )
        if args.profile:
            import cProfile
            import pstats

            from kam.conditions.offers import store_findings

            profiler = cProfile.Profile()
            profiler.runcall(store_findings, offers[0], user=kam_user)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        if offers:
            ours = bench_offer_check(offers, kam_user)
            peer = bench_resolution_peer(offers)
            print(f"ratio: the full check takes {ours / peer:.2f}x the time of per-line resolution")
        if args.lines:
            start = time.perf_counter()
            create_sales_lines(args.lines)
            print(
                f"sales lines: {args.lines:,} created in SQL in {time.perf_counter() - start:.0f} s"
            )
            analyze()
            with Stopwatch() as watch:
                agreed = invoiced.agreed_prices_refresh(today=AS_OF)
            print(
                f"agreed-price table refreshed from the agreements in one INSERT … SELECT "
                f"(nightly, not in the check): {agreed:,} rows in {watch}"
            )
            ours = bench_price_check(args.lines)
            peer = bench_price_check_peer(args.lines)
            print(f"ratio: the set-based check is {peer / ours:.1f}x faster than the Python loop")


if __name__ == "__main__":
    main()
