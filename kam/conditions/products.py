"""Writes and reads of the product catalogue: the import (idempotent by product number, changes
recorded), the group tree, and the products seen in sales lines but missing here."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.db.models import QuerySet

from kam.conditions.catalogue import CatalogueRow, read_catalogue
from kam.conditions.models import (
    MAX_GROUP_DEPTH,
    Product,
    ProductChange,
    ProductGroup,
    ProductImport,
)
from kam.sales.models import SalesLine
from kam.sales.reading import FileRefused
from kam.users.models import User

TRACKED = ("name", "group_id", "unit", "list_price", "standard_cost", "active")


def group_for_path(path: tuple[str, ...], cache: dict | None = None) -> ProductGroup | None:
    """The group at the end of a path of names, created level by level where missing."""
    cache = {} if cache is None else cache
    parent: ProductGroup | None = None
    for level, name in enumerate(path[:MAX_GROUP_DEPTH], start=1):
        key = (parent.pk if parent else None, name)
        if key not in cache:
            cache[key], _ = ProductGroup.objects.get_or_create(
                parent=parent, name=name, defaults={"level": level}
            )
        parent = cache[key]
    return parent


def _as_json(value) -> object:
    return str(value) if isinstance(value, Decimal) else value


def _apply(product: Product, row: CatalogueRow, group: ProductGroup | None) -> dict:
    """Sets the row's values; returns field → (old, new) for what changed."""
    new = {
        "name": row.name,
        "group_id": group.pk if group else None,
        "unit": row.unit,
        "list_price": row.list_price,
        "standard_cost": row.standard_cost,
        "active": row.active,
    }
    changed = {}
    for field, value in new.items():
        old = getattr(product, field)
        if old != value:
            changed[field] = (_as_json(old), _as_json(value))
            setattr(product, field, value)
    return changed


@transaction.atomic
def catalogue_import(*, path: str | Path, user: User | None, file_name: str = "") -> ProductImport:
    """Imports a catalogue file; a refused file is recorded with its reason, nothing else."""
    record = ProductImport(user=user, file_name=file_name or Path(path).name)
    try:
        rows, rejected = read_catalogue(path)
    except FileRefused as refused:
        record.error = str(refused)
        record.save()
        return record
    record.rejected = [asdict(rejection) for rejection in rejected]
    record.rows = len(rows) + len(rejected)
    record.save()
    _store_rows(record, rows)
    record.save(update_fields=["created", "updated", "unchanged"])
    return record


def _store_rows(record: ProductImport, rows: list[CatalogueRow]) -> None:
    known = Product.objects.in_bulk([row.number for row in rows], field_name="number")
    groups: dict = {}
    seen: set[str] = set()
    for row in rows:
        group = group_for_path(row.group_path, groups)
        product = known.get(row.number)
        if product is None:
            product = Product(number=row.number)
            _apply(product, row, group)
            product.save()
            known[row.number] = product
            record.created += 1
        elif changed := _apply(product, row, group):
            product.save()
            if row.number not in seen:
                record.updated += 1
            ProductChange.objects.create(
                product=product,
                product_import=record,
                old_values={field: old for field, (old, _new) in changed.items()},
                new_values={field: new for field, (_old, new) in changed.items()},
            )
        elif row.number not in seen:
            record.unchanged += 1
        seen.add(row.number)


def product_list(*, q: str = "", group: int | None = None) -> QuerySet[Product]:
    products = Product.objects.select_related("group", "group__parent", "group__parent__parent")
    if q:
        products = products.filter(number__istartswith=q) | products.filter(name__icontains=q)
    if group is not None:
        products = products.filter(group_id__in=group_descendant_ids(group))
    return products.order_by("number")


def group_descendant_ids(group_id: int) -> list[int]:
    """The group and its children and grandchildren (the tree has three levels)."""
    level1 = ProductGroup.objects.filter(parent_id=group_id).values_list("id", flat=True)
    level2 = ProductGroup.objects.filter(parent_id__in=list(level1)).values_list("id", flat=True)
    return [group_id, *level1, *level2]


def group_path_ids(group: ProductGroup | None) -> list[int]:
    """The group and its ancestors, nearest first."""
    ids: list[int] = []
    while group is not None and len(ids) < MAX_GROUP_DEPTH:
        ids.append(group.pk)
        group = group.parent
    return ids


def missing_products(*, limit: int = 500) -> list[tuple[str, str, int, int]]:
    """Product numbers in sales lines without a catalogue entry: (number, a name from the lines,
    line count, net revenue in cents), by revenue. One grouped query over the lines."""
    lines = SalesLine._meta.db_table
    products = Product._meta.db_table
    sql = f"""
        SELECT s.product_number, MAX(s.product_name), COUNT(*), SUM(s.net_revenue_cents)
        FROM {lines} s LEFT JOIN {products} p ON p.number = s.product_number
        WHERE s.product_number <> '' AND p.id IS NULL
        GROUP BY s.product_number ORDER BY SUM(s.net_revenue_cents) DESC, s.product_number
        LIMIT %s
    """  # noqa: S608 (table names from the models, the limit is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [(row[0], row[1] or "", int(row[2]), int(row[3] or 0)) for row in cursor.fetchall()]
