"""Resolution of agreed prices: for an account, a product and a quantity, every applicable
condition line from the most to the least specific, the winner and why (see pricing.py for the
order).

The lines are read as plain rows (`Cond`, with the fields of their agreement the check needs),
never as model instances: the offer check reads a few thousand of them per offer. `PriceBook`
indexes the lines of a set of accounts by (holder, what the line covers), so a hundred offer
lines resolve without a query per line."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Q, QuerySet
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.conditions.models import (
    Agreement,
    AgreementStatus,
    ConditionLine,
    ConditionTier,
    Product,
)
from kam.conditions.pricing import (
    ALL_PRODUCTS_RANK,
    Candidate,
    Resolution,
    Terms,
    Tier,
)
from kam.conditions.pricing import net_price as terms_price


def account_chain_ids(account_id: int) -> list[int]:
    """The account and its ancestors up to the group's top, nearest first (one query)."""
    table = Account._meta.db_table
    sql = f"""
        WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM {table} WHERE id = %s
          UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM {table} a
          JOIN up ON a.id = up.parent_id WHERE up.depth < 50
        ) SELECT id FROM up ORDER BY depth
    """  # noqa: S608 (the table name comes from the model, the id is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class GroupMember:
    parent_id: int | None
    name: str
    industry: str


def group_members(account_id: int) -> dict[int, GroupMember]:
    """Every account of the account's group (from its top down, any depth) with its parent, name
    and industry: one query, up the chain to the top and down again."""
    table = Account._meta.db_table
    sql = f"""
        WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM {table} WHERE id = %s
          UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM {table} a
          JOIN up ON a.id = up.parent_id WHERE up.depth < 50
        ),
        top_account(id) AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
        down(id, depth) AS (
          SELECT id, 0 FROM top_account
          UNION ALL SELECT a.id, down.depth + 1 FROM {table} a
          JOIN down ON a.parent_id = down.id WHERE down.depth < 50
        )
        SELECT DISTINCT a.id, a.parent_id, a.name, a.industry FROM {table} a
        JOIN down ON a.id = down.id
    """  # noqa: S608 (the table name comes from the model, the id is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id])
        rows = cursor.fetchall()
    return {pk: GroupMember(parent, name, industry or "") for pk, parent, name, industry in rows}


def product_group_ids(product: Product) -> list[int]:
    """The product's group and its ancestors, nearest first (select_related the parents)."""
    ids: list[int] = []
    group = product.group
    while group is not None and len(ids) < 3:
        ids.append(group.pk)
        group = group.parent
    return ids


@dataclass(frozen=True)
class Item:
    """What resolution needs of a product: its id, list price and groups (nearest first)."""

    product_id: int
    list_price: Decimal
    groups: tuple[int, ...]

    @property
    def keys(self) -> list[tuple]:
        """What a line may cover for this product, from the most to the least specific."""
        return [("p", self.product_id), *(("g", group) for group in self.groups), ("all",)]


def item_of(product: Product) -> Item:
    return Item(product.pk, product.list_price, tuple(product_group_ids(product)))


def item_from_row(product_id: int, list_price: Decimal, *groups: int | None) -> Item:
    """An item from a row that joined the product's group, its parent and grandparent."""
    return Item(product_id, list_price, tuple(group for group in groups if group is not None))


def active_on(as_of: datetime.date) -> Q:
    return Q(agreement__status=AgreementStatus.ACTIVE, agreement__valid_from__lte=as_of) & (
        Q(agreement__valid_to__isnull=True) | Q(agreement__valid_to__gte=as_of)
    )


def active_agreements_on(as_of: datetime.date) -> Q:
    return Q(status=AgreementStatus.ACTIVE, valid_from__lte=as_of) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)
    )


@dataclass
class Cond:
    """A condition line as a plain row, with the fields of its agreement resolution and the
    offer check need; `terms` gets the line's tiers in `with_tiers`."""

    id: int
    agreement_id: int
    account_id: int
    product_id: int | None
    group_id: int | None
    title: str
    valid_to: datetime.date | None
    members: bool
    mfc_scope: str
    account_name: str
    industry: str
    terms: Terms

    @property
    def key(self) -> tuple:
        """What the line covers: ("p", product), ("g", product group) or ("all",)."""
        if self.product_id is not None:
            return ("p", self.product_id)
        if self.group_id is not None:
            return ("g", self.group_id)
        return ("all",)


COND_FIELDS = (
    "id",
    "agreement_id",
    "agreement__account_id",
    "product_id",
    "product_group_id",
    "agreement__title",
    "agreement__valid_to",
    "agreement__applies_to_members",
    "agreement__mfc_scope",
    "agreement__account__name",
    "agreement__account__industry",
    "kind",
    "net_price",
    "percent",
)


def covering(items: Iterable[Item]):
    """A test whether a line is for one of these products, their groups (any level) or every
    product. Applied in Python to the lines of a few agreements: an OR over these columns in
    SQL would keep the database from using the agreement index."""
    items = list(items)
    product_ids = {item.product_id for item in items}
    group_ids = {group for item in items for group in item.groups}

    def covers(product_id: int | None, group_id: int | None) -> bool:
        if product_id is not None:
            return product_id in product_ids
        return group_id is None or group_id in group_ids

    return covers


def read_conds(query: QuerySet[ConditionLine], items: Iterable[Item]) -> list[Cond]:
    """The query's lines that cover the items, as plain rows (without their tiers). The lines
    for other products are left out in SQL, those for other groups here."""
    covers = covering(items)
    product_ids = sorted({item.product_id for item in items})
    query = query.filter(Q(product_id__in=product_ids) | Q(product_id__isnull=True))
    return [_cond(row) for row in query.values_list(*COND_FIELDS) if covers(row[3], row[4])]


def _cond(row: tuple) -> Cond:
    (pk, agreement_id, account_id, product_id, group_id, title, valid_to, members, scope) = row[:9]
    return Cond(
        id=pk,
        agreement_id=agreement_id,
        account_id=account_id,
        product_id=product_id,
        group_id=group_id,
        title=title,
        valid_to=valid_to,
        members=members,
        mfc_scope=scope,
        account_name=row[9],
        industry=row[10] or "",
        terms=Terms(kind=row[11], net_price=row[12], percent=row[13]),
    )


def with_tiers(conds: list[Cond]) -> list[Cond]:
    """Adds their volume tiers to the lines: one query for all of them."""
    tiers: dict[int, list[Tier]] = defaultdict(list)
    if conds:
        rows = ConditionTier.objects.filter(line_id__in=[cond.id for cond in conds]).values_list(
            "line_id", "from_quantity", "net_price", "percent"
        )
        for line_id, from_quantity, price, percent in rows.order_by("from_quantity"):
            tiers[line_id].append(Tier(from_quantity, price, percent))
    for cond in conds:
        if found := tiers.get(cond.id):
            terms = cond.terms
            cond.terms = Terms(terms.kind, terms.net_price, terms.percent, tuple(found))
    return conds


_CONDS_SQL = """
SELECT l.id, l.agreement_id, a.account_id, l.product_id, l.product_group_id, a.title,
    a.valid_to, a.applies_to_members, a.mfc_scope, c.name, c.industry, l.kind, l.net_price,
    l.percent, t.from_quantity, t.net_price, t.percent
FROM {line} l
JOIN {agreement} a ON a.id = l.agreement_id
JOIN {account} c ON c.id = a.account_id
LEFT JOIN {tier} t ON t.line_id = l.id
WHERE a.status = %s AND a.valid_from <= %s AND (a.valid_to IS NULL OR a.valid_to >= %s)
  AND ({agreements}) AND (l.product_id IN ({products}) OR l.product_id IS NULL)
ORDER BY l.id, t.from_quantity
"""

#: The model field behind each column of `_CONDS_SQL`, for Django's converters of its values.
_CONDS_FIELDS = (
    (ConditionLine, "id"),
    (ConditionLine, "agreement"),
    (Agreement, "account"),
    (ConditionLine, "product"),
    (ConditionLine, "product_group"),
    (Agreement, "title"),
    (Agreement, "valid_to"),
    (Agreement, "applies_to_members"),
    (Agreement, "mfc_scope"),
    (Account, "name"),
    (Account, "industry"),
    (ConditionLine, "kind"),
    (ConditionLine, "net_price"),
    (ConditionLine, "percent"),
    (ConditionTier, "from_quantity"),
    (ConditionTier, "net_price"),
    (ConditionTier, "percent"),
)


def _converters() -> list[tuple[int, Any, list]]:
    """(column, expression, converters) for the columns whose values the backend converts
    (dates and decimals on SQLite), as the ORM would."""
    found = []
    for position, (model, name) in enumerate(_CONDS_FIELDS):
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.field.get_db_converters(
            connection
        )
        if converters:
            found.append((position, column, converters))
    return found


def conds_with_tiers(
    *, agreements_sql: str, params: list, items: list[Item], as_of: datetime.date
) -> list[Cond]:
    """The active lines covering the items of the agreements `agreements_sql` selects (a
    condition on `a`, the agreement, and `c`, its account), with their tiers: one query in
    plain SQL (the ORM took longer to build the query and convert the rows than the database
    took to answer)."""
    if not items:
        return []
    covers = covering(items)
    product_ids = sorted({item.product_id for item in items})
    sql = _CONDS_SQL.format(
        line=ConditionLine._meta.db_table,
        agreement=Agreement._meta.db_table,
        account=Account._meta.db_table,
        tier=ConditionTier._meta.db_table,
        agreements=agreements_sql,
        products=", ".join(["%s"] * len(product_ids)),
    )
    as_of_value = connection.ops.adapt_datefield_value(as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [AgreementStatus.ACTIVE.value, as_of_value, as_of_value, *params, *product_ids]
        )
        rows = cursor.fetchall()
    converters = _converters()
    conds: list[Cond] = []
    tiers: dict[int, list[Tier]] = defaultdict(list)
    for row in rows:
        if not covers(row[3], row[4]):
            continue
        if converters:
            row = list(row)
            for position, column, functions in converters:
                for function in functions:
                    row[position] = function(row[position], column, connection)
        if not conds or conds[-1].id != row[0]:
            conds.append(_cond(row))
        if row[14] is not None:
            tiers[row[0]].append(Tier(row[14], row[15], row[16]))
    for cond in conds:
        if found := tiers.get(cond.id):
            terms = cond.terms
            cond.terms = Terms(terms.kind, terms.net_price, terms.percent, tuple(found))
    return conds


def load_lines(*, account_ids: list[int], items: list[Item], as_of: datetime.date) -> list[Cond]:
    """Active lines of the accounts' agreements covering the items (without tiers)."""
    query = ConditionLine.objects.filter(active_on(as_of), agreement__account_id__in=account_ids)
    return read_conds(query, items)


class PriceBook:
    """The condition lines of some accounts, indexed by what they cover and their holder.

    `parents` maps every account that may be resolved (and its ancestors) to its parent.
    """

    def __init__(
        self, *, parents: dict[int, int | None], names: dict[int, str], lines: list[Cond]
    ) -> None:
        self.parents = parents
        self.names = names
        self.holders: set[int] = set()
        #: ("p", product) / ("g", group) / ("all",) → holder → (its lines, those of them that
        #: apply to the holder's members too)
        self.index: dict[tuple, dict[int, tuple[list[Cond], list[Cond]]]] = defaultdict(dict)
        for line in lines:
            self.holders.add(line.account_id)
            own, members = self.index[line.key].setdefault(line.account_id, ([], []))
            own.append(line)
            if line.members:
                members.append(line)
        self._chains: dict[int, list[int]] = {}
        self._levels: dict[int, list[tuple[int, dict]]] = {}
        self._cheapest_known: dict[tuple, tuple[Decimal, Cond]] = {}

    def chain(self, account_id: int) -> list[int]:
        if (known := self._chains.get(account_id)) is not None:
            return known
        chain = [account_id]
        while (parent := self.parents.get(chain[-1])) is not None and len(chain) < 50:
            chain.append(parent)
        self._chains[account_id] = chain
        return chain

    def levels(self, item: Item) -> list[tuple[int, dict]]:
        """(product rank, the lines by holder) of what may cover the item, most specific first."""
        if (known := self._levels.get(item.product_id)) is not None:
            return known
        found = []
        for rank, key in enumerate(item.keys):
            if by_holder := self.index.get(key):
                found.append((ALL_PRODUCTS_RANK if key == ("all",) else rank, by_holder))
        self._levels[item.product_id] = found
        return found

    def _applicable(self, account_id: int, item: Item):
        """(distance, rank, holder, lines) from the most to the least specific."""
        levels = self.levels(item)
        if not levels:
            return
        for distance, holder in enumerate(self.chain(account_id)):
            if holder not in self.holders:
                continue
            for rank, by_holder in levels:
                if (found := by_holder.get(holder)) and (lines := found[1 if distance else 0]):
                    yield distance, rank, holder, lines

    def resolve(self, account_id: int, item: Item, quantity: Decimal) -> Resolution:
        resolution = Resolution(list_price=item.list_price)
        for distance, rank, holder, lines in self._applicable(account_id, item):
            name = self.names.get(holder, "")
            resolution.candidates += [
                candidate(line, item, quantity, distance, rank, name) for line in lines
            ]
        return resolution

    def winner(self, account_id: int, item: Item, quantity: Decimal) -> Candidate | None:
        """`resolve(...).winner`, pricing only the lines of the most specific level that has any
        (specificity is compared before the price)."""
        found = next(self._applicable(account_id, item), None)
        if found is None:
            return None
        distance, rank, holder, lines = found
        price, line = self._cheapest(lines, item, quantity)
        return Candidate(
            line_id=line.id,
            agreement_id=line.agreement_id,
            agreement_title=line.title,
            account_id=line.account_id,
            account_name=self.names.get(holder, "") or line.account_name,
            account_distance=distance,
            product_rank=rank,
            price=price,
            valid_to=line.valid_to,
        )

    def _cheapest(self, lines: list[Cond], item: Item, quantity: Decimal) -> tuple[Decimal, Cond]:
        """The lowest price of lines equally specific, the older line on a tie (what `choose`
        picks among them), remembered: the members of a group resolve to the same lines."""
        key = (id(lines), item.product_id, item.list_price, quantity)
        if (known := self._cheapest_known.get(key)) is None:
            known = min(
                (
                    (terms_price(line.terms, list_price=item.list_price, quantity=quantity), line)
                    for line in lines
                ),
                key=lambda found: (found[0], found[1].id),
            )
            self._cheapest_known[key] = known
        return known


def candidate(
    line: Cond, item: Item, quantity: Decimal, distance: int, rank: int, account_name: str
) -> Candidate:
    return Candidate(
        line_id=line.id,
        agreement_id=line.agreement_id,
        agreement_title=line.title,
        account_id=line.account_id,
        account_name=account_name or line.account_name,
        account_distance=distance,
        product_rank=rank,
        price=terms_price(line.terms, list_price=item.list_price, quantity=quantity),
        valid_to=line.valid_to,
    )


def line_terms(line: ConditionLine) -> Terms:
    """The price terms of a line model whose `tier_list` the caller has set."""
    found = line.tier_list  # type: ignore[attr-defined]
    tiers = tuple(Tier(tier.from_quantity, tier.net_price, tier.percent) for tier in found)
    return Terms(kind=line.kind, net_price=line.net_price, percent=line.percent, tiers=tiers)


def book_for_account(account: Account, items: list[Item], as_of: datetime.date) -> PriceBook:
    chain = account_chain_ids(account.pk)
    parents = dict(zip(chain, [*chain[1:], None], strict=True))
    names = dict(Account.objects.filter(pk__in=chain).values_list("pk", "name"))
    lines = with_tiers(load_lines(account_ids=chain, items=items, as_of=as_of))
    return PriceBook(parents=parents, names=names, lines=lines)


def resolve_price(
    *, account: Account, product: Product, quantity: Decimal, as_of: datetime.date
) -> Resolution:
    item = item_of(product)
    return book_for_account(account, [item], as_of).resolve(account.pk, item, quantity)


def explain(resolution: Resolution) -> list[str]:
    """One German sentence per applicable condition, the winner first, and why it wins."""
    ranked = resolution.ranked
    if not ranked:
        return [
            _("No agreement applies: the list price of %(price)s € holds.")
            % _price_args(resolution.list_price)
        ]
    sentences = []
    for index, found in enumerate(ranked):
        where = (
            _("own agreement")
            if found.account_distance == 0
            else _("agreement of the group account “%(name)s” (%(levels)s level(s) up)")
            % {"name": found.account_name, "levels": found.account_distance}
        )
        scope = _scope_text(found.product_rank)
        text = _("“%(title)s”, %(where)s, for %(scope)s: %(price)s €") % {
            "title": found.agreement_title,
            "where": where,
            "scope": scope,
            **_price_args(found.price),
        }
        sentences.append(
            (_("Wins: ") if index == 0 else _("Does not win (less specific or higher): ")) + text
        )
    return sentences


def _price_args(amount: Decimal) -> dict:
    return {"price": f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")}


def _scope_text(rank: int) -> str:
    if rank == 0:
        return _("the product")
    if rank == ALL_PRODUCTS_RANK:
        return _("all products")
    return _("its product group (level %(level)s above the product)") % {"level": rank}
