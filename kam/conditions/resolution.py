"""Resolution of agreed prices: for an account, a product and a quantity, every applicable
condition line from the most to the least specific, the winner and why (see pricing.py for the
order). `PriceBook` loads the lines of a set of accounts in two queries, so the offer check
resolves a hundred lines without a query per line."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids
from kam.conditions.models import AgreementStatus, ConditionLine, ConditionTier, Product
from kam.conditions.pricing import ALL_PRODUCTS_RANK, Candidate, Resolution, Terms, Tier
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


def product_group_ids(product: Product) -> list[int]:
    """The product's group and its ancestors, nearest first (select_related the parents)."""
    ids: list[int] = []
    group = product.group
    while group is not None and len(ids) < 3:
        ids.append(group.pk)
        group = group.parent
    return ids


def active_on(as_of: datetime.date) -> Q:
    return Q(agreement__status=AgreementStatus.ACTIVE, agreement__valid_from__lte=as_of) & (
        Q(agreement__valid_to__isnull=True) | Q(agreement__valid_to__gte=as_of)
    )


def active_agreements_on(as_of: datetime.date) -> Q:
    return Q(status=AgreementStatus.ACTIVE, valid_from__lte=as_of) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)
    )


def covering(products: list[Product]):
    """A test whether a line is for one of these products, their groups (any level) or every
    product. Applied in Python to the lines of a few agreements: an OR over these columns in
    SQL would keep the database from using the agreement index."""
    product_ids = {product.pk for product in products}
    group_ids = {gid for product in products for gid in product_group_ids(product)}

    def covers(line: ConditionLine) -> bool:
        if line.product_id is not None:
            return line.product_id in product_ids
        return line.product_group_id is None or line.product_group_id in group_ids

    return covers


class PriceBook:
    """The active condition lines of some accounts for some products on a day.

    `parents` maps every account that may be resolved (and its ancestors) to its parent.
    """

    def __init__(
        self,
        *,
        parents: dict[int, int | None],
        names: dict[int, str],
        products: list[Product],
        as_of: datetime.date,
        lines: list[ConditionLine] | None = None,
    ) -> None:
        self.parents = parents
        self.names = names
        self.as_of = as_of
        if lines is None:
            lines = load_lines(account_ids=list(parents), products=products, as_of=as_of)
        self.by_account: dict[int, list[ConditionLine]] = defaultdict(list)
        #: (account, "p" or "g", product or group id; or "all") → lines, for the lookup by key
        self.index: dict[tuple, list[ConditionLine]] = defaultdict(list)
        for line in lines:
            holder = line.agreement.account_id
            self.by_account[holder].append(line)
            self.index[line_key(holder, line)].append(line)

    def chain(self, account_id: int) -> list[int]:
        chain = [account_id]
        while (parent := self.parents.get(chain[-1])) is not None and len(chain) < 50:
            chain.append(parent)
        return chain

    def resolve(self, account_id: int, product: Product, quantity: Decimal) -> Resolution:
        groups = product_group_ids(product)
        keys = [("p", product.pk)] + [("g", group) for group in groups] + [("all",)]
        resolution = Resolution(list_price=product.list_price)
        for distance, holder in enumerate(self.chain(account_id)):
            if holder not in self.by_account:
                continue
            name = self.names.get(holder, "")
            for rank, key in enumerate(keys):
                for line in self.index.get((holder, *key), ()):
                    if distance and not line.agreement.applies_to_members:
                        continue
                    rank_ = ALL_PRODUCTS_RANK if key == ("all",) else rank
                    resolution.candidates.append(
                        candidate(line, product, quantity, distance, rank_, name)
                    )
        return resolution


def line_key(holder: int, line: ConditionLine) -> tuple:
    if line.product_id is not None:
        return (holder, "p", line.product_id)
    if line.product_group_id is not None:
        return (holder, "g", line.product_group_id)
    return (holder, "all")


def product_rank(line: ConditionLine, product: Product, groups: list[int]) -> int | None:
    if line.product_id is not None:
        return 0 if line.product_id == product.pk else None
    if line.product_group_id is not None:
        return groups.index(line.product_group_id) + 1 if line.product_group_id in groups else None
    return ALL_PRODUCTS_RANK


def line_terms(line: ConditionLine) -> Terms:
    """The line's price terms, built once per loaded line."""
    cached = getattr(line, "_terms", None)
    if cached is not None:
        return cached
    found = line.tier_list  # type: ignore[attr-defined]
    tiers = tuple(Tier(tier.from_quantity, tier.net_price, tier.percent) for tier in found)
    terms = Terms(kind=line.kind, net_price=line.net_price, percent=line.percent, tiers=tiers)
    line._terms = terms  # type: ignore[attr-defined]
    return terms


def candidate(
    line: ConditionLine,
    product: Product,
    quantity: Decimal,
    distance: int,
    rank: int,
    account_name: str,
) -> Candidate:
    price = terms_price(line_terms(line), list_price=product.list_price, quantity=quantity)
    return Candidate(
        line_id=line.pk,
        agreement_id=line.agreement_id,
        agreement_title=line.agreement.title,
        account_id=line.agreement.account_id,
        account_name=account_name,
        account_distance=distance,
        product_rank=rank,
        price=price,
        valid_to=line.agreement.valid_to,
    )


def load_lines(
    *, account_ids: list[int], products: list[Product], as_of: datetime.date, tiers: bool = True
) -> list[ConditionLine]:
    """Active lines of the accounts' agreements covering the products: two queries (one with
    `tiers=False`, when the caller attaches the tiers of several loads at once)."""
    query = ConditionLine.objects.filter(active_on(as_of), agreement__account_id__in=account_ids)
    covers = covering(products)
    lines = [line for line in query.select_related("agreement") if covers(line)]
    if tiers:
        attach_tiers(lines)
    return lines


def attach_tiers(lines: list[ConditionLine]) -> None:
    tiers: dict[int, list[ConditionTier]] = defaultdict(list)
    if lines:
        for tier in ConditionTier.objects.filter(line_id__in=[line.pk for line in lines]):
            tiers[tier.line_id].append(tier)
    for line in lines:
        line.tier_list = tiers.get(line.pk, [])  # type: ignore[attr-defined]


def book_for_account(account: Account, products: list[Product], as_of: datetime.date) -> PriceBook:
    chain = account_chain_ids(account.pk)
    parents = dict(zip(chain, [*chain[1:], None], strict=True))
    names = dict(Account.objects.filter(pk__in=chain).values_list("pk", "name"))
    return PriceBook(parents=parents, names=names, products=products, as_of=as_of)


def resolve_price(
    *, account: Account, product: Product, quantity: Decimal, as_of: datetime.date
) -> Resolution:
    return book_for_account(account, [product], as_of).resolve(account.pk, product, quantity)


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


def group_tree(account: Account) -> tuple[int, dict[int, int | None], dict[int, tuple[str, str]]]:
    """The group's top, and parent and (name, industry) of every account in the group."""
    chain = account_chain_ids(account.pk)
    top = chain[-1]
    rows = Account.objects.filter(pk__in=account_group_ids(top)).values_list(
        "pk", "parent_id", "name", "industry"
    )
    parents: dict[int, int | None] = {pk: parent for pk, parent, _name, _industry in rows}
    info = {pk: (name, industry) for pk, _parent, name, industry in rows}
    return top, parents, info
