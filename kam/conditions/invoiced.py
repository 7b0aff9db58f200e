"""Invoiced prices against agreements (Konditionsprüfung).

Two steps. `agreed_prices_refresh` resolves the agreed unit price of every (account, product)
that an active agreement covers, per volume tier, into `AgreedPrice` (a few thousand rows: the
agreements, not the sales lines). `price_check_run` then compares every sales line with it in
one set-based statement (invoiced unit price = net revenue / quantity) and stores the sums of
the lines beyond the tolerance per account, product and month in `PriceDeviation`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids
from kam.conditions.models import (
    AgreedPrice,
    Agreement,
    AgreementStatus,
    PriceDeviation,
    Product,
)
from kam.conditions.products import group_descendant_ids
from kam.conditions.resolution import PriceBook, attach_tiers
from kam.sales.models import SalesLine

FAR_FUTURE = datetime.date(9999, 12, 31)


def tolerance_percent() -> Decimal:
    return Decimal(str(getattr(settings, "KAM_PRICE_TOLERANCE_PERCENT", "1")))


def _bought(account_ids: list[int]) -> dict[int, set[str]]:
    """The product numbers each account has invoice lines of: one grouped query by account."""
    bought: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        rows = (
            SalesLine.objects.filter(account_id__in=chunk)
            .exclude(product_number="")
            .values_list("account_id", "product_number")
            .distinct()
        )
        for account_id, number in rows:
            bought[account_id].add(number)
    return bought


def _covered(agreements: list[Agreement]) -> dict[int, set[int]]:
    """Account id → product ids some active agreement covers for it. A line for a product group
    or for every product counts only for the products the account was invoiced: prices of
    products it never bought cannot deviate."""
    accounts_of = {
        agreement.pk: (
            account_group_ids(agreement.account_id)
            if agreement.applies_to_members
            else [agreement.account_id]
        )
        for agreement in agreements
    }
    wide = {
        account_id
        for agreement in agreements
        if any(line.product_id is None for line in agreement.lines.all())
        for account_id in accounts_of[agreement.pk]
    }
    bought = _bought(sorted(wide))
    numbers = dict(Product.objects.values_list("number", "pk")) if wide else {}
    covered: dict[int, set[int]] = defaultdict(set)
    for agreement in agreements:
        for account_id in accounts_of[agreement.pk]:
            covered[account_id] |= _products_of(agreement, bought[account_id], numbers)
    return covered


def _products_of(agreement: Agreement, bought: set[str], numbers: dict[str, int]) -> set[int]:
    products: set[int] = set()
    for line in agreement.lines.all():
        if line.product_id is not None:
            products.add(line.product_id)
        elif line.product_group_id is not None:
            in_group = set(group_descendant_ids(line.product_group_id))
            products.update(
                Product.objects.filter(group_id__in=in_group, number__in=bought).values_list(
                    "pk", flat=True
                )
            )
        else:
            products.update(numbers[number] for number in bought if number in numbers)
    return products


@transaction.atomic
def agreed_prices_refresh(*, today: datetime.date) -> int:
    agreements = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE).prefetch_related("lines")
    )
    covered = _covered(agreements)
    parents: dict[int, int | None] = dict(Account.objects.values_list("pk", "parent_id"))
    products = Product.objects.select_related("group__parent__parent").in_bulk(
        {pk for ids in covered.values() for pk in ids}
    )
    lines = [line for agreement in agreements for line in agreement.lines.all()]
    by_agreement = {agreement.pk: agreement for agreement in agreements}
    for line in lines:
        line.agreement = by_agreement[line.agreement_id]
    attach_tiers(lines)
    book = PriceBook(
        parents=parents, names={}, products=list(products.values()), as_of=today, lines=lines
    )
    rows = [
        row
        for account_id, product_ids in covered.items()
        for product_id in sorted(product_ids)
        for row in _rows(book, account_id, products[product_id])
    ]
    AgreedPrice.objects.all().delete()
    AgreedPrice.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _rows(book: PriceBook, account_id: int, product: Product) -> list[AgreedPrice]:
    base = book.resolve(account_id, product, Decimal("0.001"))
    if base.winner is None:
        return []
    starts = sorted(
        {
            tier.from_quantity
            for holder in book.chain(account_id)
            for line in book.by_account.get(holder, ())
            for tier in line.tier_list  # type: ignore[attr-defined]
        }
    )
    rows = []
    for start in [Decimal(0), *starts]:
        winner = book.resolve(account_id, product, max(start, Decimal("0.001"))).winner
        if winner is None:
            continue
        agreement = next(
            line.agreement
            for line in book.by_account[winner.account_id]
            if line.pk == winner.line_id
        )
        rows.append(
            AgreedPrice(
                account_id_value=account_id,
                product_number=product.number,
                from_quantity=start,
                price_cents=int(winner.price * 100),
                valid_from=agreement.valid_from,
                valid_to=agreement.valid_to or FAR_FUTURE,
                agreement_id_value=agreement.pk,
            )
        )
    return rows


_DEVIATIONS_SQL = """
SELECT s.id AS line_id, s.account_id, s.product_number, s.invoice_month, s.invoice_date,
       s.invoice_number, s.line_number, s.quantity, s.net_revenue_cents, ap.price_cents,
       s.net_revenue_cents - CAST(ROUND(ap.price_cents * s.quantity) AS BIGINT) AS diff,
       CAST(ROUND(ap.price_cents * s.quantity * %(tolerance)s / 100) AS BIGINT) AS allowed
FROM {agreed} ap
JOIN {lines} s ON s.account_id = ap.account_id_value AND s.product_number = ap.product_number
WHERE s.quantity > 0
  AND s.invoice_date >= ap.valid_from AND s.invoice_date <= ap.valid_to
  AND ap.from_quantity <= s.quantity
  AND NOT EXISTS (
    SELECT 1 FROM {agreed} b
    WHERE b.account_id_value = ap.account_id_value AND b.product_number = ap.product_number
      AND b.valid_from = ap.valid_from AND b.from_quantity > ap.from_quantity
      AND b.from_quantity <= s.quantity
  )
"""


def _sql(template: str) -> str:
    return template.format(agreed=AgreedPrice._meta.db_table, lines=SalesLine._meta.db_table)


@transaction.atomic
def price_check_run(*, now: datetime.datetime | None = None) -> int:
    """Recomputes the deviations per account, product and month: one INSERT … SELECT."""
    now = now or timezone.now()
    PriceDeviation.objects.all().delete()
    inner = _sql(_DEVIATIONS_SQL).replace("%(tolerance)s", "%s")
    sql = f"""
        INSERT INTO {PriceDeviation._meta.db_table} (account_id, product_number, month,
            overcharged_lines, overcharged_cents, undercharged_lines, undercharged_cents,
            checked_at)
        SELECT d.account_id, d.product_number, d.invoice_month,
            SUM(CASE WHEN d.diff > 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN d.diff > 0 THEN d.diff ELSE 0 END),
            SUM(CASE WHEN d.diff < 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN d.diff < 0 THEN -d.diff ELSE 0 END),
            %s
        FROM ({inner}) d
        WHERE d.diff > d.allowed OR -d.diff > d.allowed
        GROUP BY d.account_id, d.product_number, d.invoice_month
    """  # noqa: S608 (table names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), tolerance_percent()])
        return cursor.rowcount


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
    sql = _sql(_DEVIATIONS_SQL).replace("%(tolerance)s", "%s")
    where = [f"d.account_id IN ({', '.join(['%s'] * len(account_ids))})"]
    params: list = [tolerance_percent(), *account_ids]
    if product_number:
        where.append("d.product_number = %s")
        params.append(product_number)
    if month is not None:
        where.append("d.invoice_month = %s")
        params.append(month)
    query = f"""
        SELECT d.invoice_number, d.line_number, d.invoice_date, d.product_number, d.quantity,
               d.net_revenue_cents, d.price_cents, d.diff
        FROM ({sql}) d WHERE (d.diff > d.allowed OR -d.diff > d.allowed) AND {" AND ".join(where)}
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
