"""Invoiced prices against agreements (Konditionsprüfung).

Two steps, both set-based SQL (no Python loop over agreements or lines).
`agreed_prices_refresh` resolves the agreed unit price of every (account, product) that an
active agreement covers, per volume tier, into `AgreedPrice` (the agreements times the products
the accounts buy, not the sales lines). `price_check_run` then compares every sales line with it in
one set-based statement (invoiced unit price = net revenue / quantity) and stores the sums of
the lines beyond the tolerance per account, product and month in `PriceDeviation`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.conditions.models import (
    AgreedPrice,
    Agreement,
    AgreementStatus,
    ConditionLine,
    ConditionTier,
    PriceDeviation,
    Product,
    ProductGroup,
)
from kam.conditions.pricing import ALL_PRODUCTS_RANK
from kam.core.db import planner_without
from kam.sales.models import SalesLine

FAR_FUTURE = datetime.date(9999, 12, 31)


def tolerance_percent() -> Decimal:
    return Decimal(str(getattr(settings, "KAM_PRICE_TOLERANCE_PERCENT", "1")))


def _tables() -> dict[str, str]:
    return {
        "agreed": AgreedPrice._meta.db_table,
        "agreement": Agreement._meta.db_table,
        "line": ConditionLine._meta.db_table,
        "tier": ConditionTier._meta.db_table,
        "product": Product._meta.db_table,
        "group": ProductGroup._meta.db_table,
        "account": Account._meta.db_table,
        "sales": SalesLine._meta.db_table,
    }


def _cents(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _percent_of_list(percent: str, sign: str) -> str:
    """The list price plus or minus a percentage, in cents rounded half up as pricing.py does
    (integers only: percent in basis points)."""
    return f"(p_list * (10000 {sign} COALESCE({_cents(percent)}, 0)) + 5000) / 10000"


#: The agreed unit price of every (account, product) an active agreement covers, per volume
#: tier, resolved as resolution.py does, in one statement:
#: `reach` - the accounts each agreement applies to and how far up its holder is;
#: `cand` - the applicable lines (product lines always; group and all-products lines only for
#: the products the account was invoiced: prices of products it never bought cannot deviate);
#: `best` - the most specific level per (account, product), which does not depend on quantity;
#: `starts` - 0 and the tier starts of the lines at that level; `priced` - each such line's
#: price in cents at each start (its highest tier reached, else its own terms);
#: the cheapest, then the oldest line wins.
_REFRESH_SQL = """
INSERT INTO {agreed} (account_id_value, product_number, from_quantity, to_quantity,
    price_cents, valid_from, valid_to, agreement_id_value)
WITH RECURSIVE reach(account_id, agreement_id, distance) AS (
  SELECT a.account_id, a.id, 0 FROM {agreement} a WHERE a.status = %(active)s
  UNION ALL
  SELECT c.id, r.agreement_id, r.distance + 1
  FROM reach r
  JOIN {agreement} a ON a.id = r.agreement_id AND a.applies_to_members = %(true)s
  JOIN {account} c ON c.parent_id = r.account_id
  WHERE r.distance < 50
),
bought AS (
  SELECT s.account_id, p.id AS product_id
  FROM (SELECT DISTINCT account_id, product_number FROM {sales}) s
  JOIN {product} p ON p.number = s.product_number
),
product_groups(product_id, group_id, product_rank) AS (
  SELECT p.id, p.group_id, 1 FROM {product} p WHERE p.group_id IS NOT NULL
  UNION ALL
  SELECT p.id, g.parent_id, 2 FROM {product} p JOIN {group} g ON g.id = p.group_id
  WHERE g.parent_id IS NOT NULL
  UNION ALL
  SELECT p.id, g2.parent_id, 3 FROM {product} p JOIN {group} g ON g.id = p.group_id
  JOIN {group} g2 ON g2.id = g.parent_id WHERE g2.parent_id IS NOT NULL
),
cand(account_id, product_id, line_id, specificity) AS (
  SELECT r.account_id, l.product_id, l.id, r.distance * 10
  FROM reach r JOIN {line} l ON l.agreement_id = r.agreement_id
  WHERE l.product_id IS NOT NULL
  UNION ALL
  SELECT r.account_id, b.product_id, l.id, r.distance * 10 + pg.product_rank
  FROM reach r JOIN {line} l ON l.agreement_id = r.agreement_id
  JOIN bought b ON b.account_id = r.account_id
  JOIN product_groups pg ON pg.product_id = b.product_id AND pg.group_id = l.product_group_id
  WHERE l.product_id IS NULL
  UNION ALL
  SELECT r.account_id, b.product_id, l.id, r.distance * 10 + {all_rank}
  FROM reach r JOIN {line} l ON l.agreement_id = r.agreement_id
  JOIN bought b ON b.account_id = r.account_id
  WHERE l.product_id IS NULL AND l.product_group_id IS NULL
),
best AS (
  SELECT account_id, product_id, MIN(specificity) AS specificity FROM cand
  GROUP BY account_id, product_id
),
winning AS (
  SELECT c.account_id, c.product_id, c.line_id FROM cand c
  JOIN best b ON b.account_id = c.account_id AND b.product_id = c.product_id
    AND b.specificity = c.specificity
),
starts(account_id, product_id, quantity) AS (
  SELECT account_id, product_id, 0 FROM best
  UNION
  SELECT w.account_id, w.product_id, t.from_quantity
  FROM winning w JOIN {tier} t ON t.line_id = w.line_id
),
priced AS (
  SELECT s.account_id, s.product_id, s.quantity, w.line_id, l.kind, l.net_price,
    l.percent, {p_list} AS p_list,
    (SELECT t.id FROM {tier} t WHERE t.line_id = w.line_id AND t.from_quantity <= s.quantity
     ORDER BY t.from_quantity DESC LIMIT 1) AS tier_id
  FROM starts s
  JOIN winning w ON w.account_id = s.account_id AND w.product_id = s.product_id
  JOIN {line} l ON l.id = w.line_id
  JOIN {product} p ON p.id = s.product_id
),
cents AS (
  SELECT x.account_id, x.product_id, x.quantity, x.line_id,
    CASE
      WHEN t.net_price IS NOT NULL THEN {tier_net}
      WHEN t.percent IS NOT NULL THEN {tier_discount}
      WHEN x.kind = 'net_price' AND x.net_price IS NOT NULL THEN {line_net}
      WHEN x.kind = 'surcharge' THEN {line_surcharge}
      ELSE {line_discount}
    END AS price_cents
  FROM priced x LEFT JOIN {tier} t ON t.id = x.tier_id
),
ranked AS (
  SELECT c.*, ROW_NUMBER() OVER (
    PARTITION BY c.account_id, c.product_id, c.quantity ORDER BY c.price_cents, c.line_id
  ) AS n FROM cents c
),
won AS (
  SELECT r.*, LEAD(r.quantity) OVER (
    PARTITION BY r.account_id, r.product_id ORDER BY r.quantity
  ) AS to_quantity FROM ranked r WHERE r.n = 1
)
SELECT w.account_id, p.number, w.quantity, w.to_quantity, w.price_cents, a.valid_from,
  COALESCE(a.valid_to, %(far_future)s), a.id
FROM won w
JOIN {product} p ON p.id = w.product_id
JOIN {line} l ON l.id = w.line_id
JOIN {agreement} a ON a.id = l.agreement_id
"""


def _refresh_sql() -> str:
    return _REFRESH_SQL.format(
        **_tables(),
        all_rank=ALL_PRODUCTS_RANK,
        p_list=_cents("p.list_price"),
        tier_net=_cents("t.net_price"),
        tier_discount=_percent_of_list("t.percent", "-"),
        line_net=_cents("x.net_price"),
        line_surcharge=_percent_of_list("x.percent", "+"),
        line_discount=_percent_of_list("x.percent", "-"),
    )


@transaction.atomic
def agreed_prices_refresh(*, today: datetime.date) -> int:
    """Rebuilds the agreed-price table from the active agreements in one INSERT … SELECT."""
    AgreedPrice.objects.all().delete()
    params: dict[str, str | bool | datetime.date] = {
        "active": AgreementStatus.ACTIVE.value,
        "true": True,
        "far_future": FAR_FUTURE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_refresh_sql(), params)
        # The check's plan depends on the table's size: statistics of the new rows.
        cursor.execute(f"ANALYZE {AgreedPrice._meta.db_table}")
    return AgreedPrice.objects.count()


#: The lines are read in the order of the (account, month, product, ...) index, which covers
#: every column used here, and each looks up its agreed price in `agreed_lookup` (CROSS JOIN
#: keeps SQLite from turning the join around: with the agreed prices outside it would read the
#: lines of an account once per agreed product; SQLite would rather scan the table, three times
#: slower, hence INDEXED BY; PostgreSQL reorders freely and hashes).
_DEVIATIONS_SQL = """
SELECT s.account_id, s.product_number, s.invoice_month, s.invoice_date,{line_columns}
       s.quantity, s.net_revenue_cents, ap.price_cents,
       s.net_revenue_cents - {agreed_cents} AS diff,
       {allowed_cents} AS allowed
FROM {lines} s {covering} CROSS JOIN {agreed} ap
WHERE s.account_id = ap.account_id_value AND s.product_number = ap.product_number
  AND s.quantity > 0
  AND s.invoice_date >= ap.valid_from AND s.invoice_date <= ap.valid_to
  AND ap.from_quantity <= s.quantity
  AND (ap.to_quantity IS NULL OR s.quantity < ap.to_quantity)
"""


#: Whether a line of the deviations query is beyond the tolerance (`allowed` >= 0): a line
#: invoiced at exactly the agreed amount, most of them, is passed before `allowed` is computed.
DEVIATES = "CASE WHEN d.diff = 0 THEN FALSE ELSE ABS(d.diff) > d.allowed END"


def _agreed_cents() -> str:
    """The agreed amount of a line in whole cents, rounded half up (price and quantity are
    positive), in integers: the quantity has three decimals. Exact on both databases (SQLite's
    ROUND of a real rounded 1,50 € × 0,29 down), and on PostgreSQL numeric arithmetic on ten
    million lines took as long as the join."""
    return "(ap.price_cents * CAST(ROUND(s.quantity * 1000) AS BIGINT) + 500) / 1000"


def _allowed_cents() -> str:
    """The tolerance in cents, rounded half up: numeric on PostgreSQL (computed only for the
    lines off the agreed amount); integers on SQLite, the tolerance in 1/10,000 % (SQLite
    divided the integers of whole quantities by 100 and dropped the remainder)."""
    if connection.vendor == "postgresql":
        return "CAST(ROUND(ap.price_cents * s.quantity * %(tolerance)s / 100) AS BIGINT)"
    return (
        "(ap.price_cents * CAST(ROUND(s.quantity * 1000) AS INTEGER) * %(tolerance)s"
        " + 500000000) / 1000000000"
    )


def _tolerance() -> Decimal | int:
    """The parameter for `_allowed_cents`."""
    if connection.vendor == "postgresql":
        return tolerance_percent()
    return int((tolerance_percent() * 10_000).to_integral_value())


def _sql(template: str, *, line_columns: str = "") -> str:
    """The deviations query; `line_columns` adds columns the covering index does not have."""
    covering = "INDEXED BY line_account_month" if connection.vendor == "sqlite" else ""
    return template.format(
        agreed=AgreedPrice._meta.db_table,
        lines=SalesLine._meta.db_table,
        covering=covering,
        line_columns=line_columns,
        agreed_cents=_agreed_cents(),
        allowed_cents=_allowed_cents(),
    )


_COLUMNS = (
    "account_id, product_number, month, overcharged_lines, overcharged_cents, "
    "undercharged_lines, undercharged_cents, checked_at"
)

#: The sums of the lines beyond the tolerance per account, product and month.
_SUMS_SQL = """
SELECT d.account_id, d.product_number, d.invoice_month,
    SUM(CASE WHEN d.diff > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.diff > 0 THEN d.diff ELSE 0 END),
    SUM(CASE WHEN d.diff < 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.diff < 0 THEN -d.diff ELSE 0 END){checked_at}
FROM ({inner}) d
WHERE {deviates}
GROUP BY d.account_id, d.product_number, d.invoice_month
"""


@transaction.atomic
def price_check_run(*, now: datetime.datetime | None = None) -> int:
    """Recomputes the deviations per account, product and month in one set-based statement.

    PostgreSQL plans no parallel workers for an INSERT … SELECT, but does for CREATE TABLE AS:
    the sums go through a temporary table there (a few thousand rows), with the memory to hash
    the agreed prices in one batch."""
    now = now or timezone.now()
    PriceDeviation.objects.all().delete()
    inner = _sql(_DEVIATIONS_SQL).replace("%(tolerance)s", "%s")
    checked_at = connection.ops.adapt_datetimefield_value(now)
    table = PriceDeviation._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sums = _SUMS_SQL.format(inner=inner, checked_at=", %s", deviates=DEVIATES)
            cursor.execute(
                f"INSERT INTO {table} ({_COLUMNS}) {sums}",  # noqa: S608
                [checked_at, _tolerance()],
            )
            return cursor.rowcount
        cursor.execute("SET LOCAL work_mem = '128MB'")
        # With the agreed prices hashed the lines are read once; the planner's merge join
        # sorted the ten million lines on disk first (three times slower).
        sums = _SUMS_SQL.format(inner=inner, checked_at="", deviates=DEVIATES)
        with planner_without(cursor, "mergejoin"):
            cursor.execute(
                f"CREATE TEMPORARY TABLE price_check_sums ({_COLUMNS.rsplit(',', 1)[0]}) "
                f"ON COMMIT DROP AS {sums}",
                [_tolerance()],
            )
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}) SELECT *, %s FROM price_check_sums",  # noqa: S608
            [checked_at],
        )
        count = cursor.rowcount
        cursor.execute("DROP TABLE price_check_sums")
        return count


@dataclass(frozen=True)
class DeviatingLine:
    invoice_number: str
    line_number: int
    invoice_date: datetime.date
    product_number: str
    quantity: Decimal
    invoiced_unit_price: Decimal
    agreed_unit_price: Decimal
    difference: Decimal


def deviating_lines(
    *,
    account_ids: list[int],
    product_number: str = "",
    month: datetime.date | None = None,
    limit: int = 200,
) -> list[DeviatingLine]:
    """The invoice lines behind the sums (the page's link to the lines)."""
    if not account_ids:
        return []
    sql = _sql(_DEVIATIONS_SQL, line_columns=" s.invoice_number, s.line_number,").replace(
        "%(tolerance)s", "%s"
    )
    where = [f"d.account_id IN ({', '.join(['%s'] * len(account_ids))})"]
    params: list = [_tolerance(), *account_ids]
    if product_number:
        where.append("d.product_number = %s")
        params.append(product_number)
    if month is not None:
        where.append("d.invoice_month = %s")
        params.append(month)
    query = f"""
        SELECT d.invoice_number, d.line_number, d.invoice_date, d.product_number, d.quantity,
               d.net_revenue_cents, d.price_cents, d.diff
        FROM ({sql}) d WHERE {DEVIATES} AND {" AND ".join(where)}
        ORDER BY d.invoice_date DESC, d.invoice_number, d.line_number LIMIT %s
    """  # noqa: S608
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return [_line(row) for row in rows]


def _line(row) -> DeviatingLine:
    quantity = Decimal(str(row[4]))
    return DeviatingLine(
        invoice_number=row[0],
        line_number=row[1],
        invoice_date=row[2]
        if isinstance(row[2], datetime.date)
        else datetime.date.fromisoformat(row[2]),
        product_number=row[3],
        quantity=quantity,
        invoiced_unit_price=(Decimal(row[5]) / quantity / 100).quantize(Decimal("0.01")),
        agreed_unit_price=Decimal(row[6]).scaleb(-2),
        difference=Decimal(row[7]).scaleb(-2),
    )
