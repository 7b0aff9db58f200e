"""The offer check: run on every save of an offer and before it is sent.

Each finding has a code, the offer line's position, a sentence a salesperson understands and a
severity: `blocks` (the offer cannot be sent), `approval` (it goes to the right approver first)
or `note`. Everything the check needs is read up front as plain rows in a fixed number of
queries (the offer's lines, the group tree, the group's condition lines, the lines of the
most-favoured-customer clauses in scope, their tiers, the authority, the open offers), so an offer
of a hundred lines costs no more queries than one of a single line.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.conditions import authority
from kam.conditions.models import (
    OPEN_OFFER_STATUSES,
    MfcScope,
    Offer,
    OfferLine,
    Severity,
)
from kam.conditions.pricing import Candidate, discount_percent, margin_percent
from kam.conditions.pricing import net_price as terms_price
from kam.conditions.resolution import (
    Cond,
    GroupMember,
    Item,
    PriceBook,
    conds_with_tiers,
    group_members,
    item_from_row,
)

SEVERITIES = {
    "below_agreement": Severity.BLOCKS,
    "above_authority": Severity.APPROVAL,
    "margin_floor": Severity.APPROVAL,
    "group_conflict": Severity.BLOCKS,
    "mfc_conflict": Severity.BLOCKS,
    "expiring": Severity.NOTE,
    "open_offer_conflict": Severity.NOTE,
}
CODES = tuple(SEVERITIES)


@dataclass(frozen=True)
class Finding:
    code: str
    position: int | None
    message: str

    @property
    def severity(self) -> str:
        return SEVERITIES[self.code]


def euro(amount: Decimal) -> str:
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


@dataclass(frozen=True)
class Line:
    """An offer line as the check reads it."""

    position: int
    item: Item
    quantity: Decimal
    list_price: Decimal
    price: Decimal
    cost: Decimal | None

    @property
    def product_id(self) -> int:
        return self.item.product_id


@dataclass(frozen=True)
class OpenLine:
    """A line of another open offer to the same group."""

    number: str
    account_name: str
    product_id: int
    price: Decimal


@dataclass
class Context:
    """What the check read for one offer."""

    offer: Offer
    lines: list[Line]
    book: PriceBook
    members: dict[int, GroupMember]
    clauses: dict[tuple, list[Cond]]
    open_lines: dict[int, list[OpenLine]]
    authority: authority.Authority
    floor: Decimal | None
    as_of: datetime.date
    prices: dict[tuple, Decimal] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


LINE_FIELDS = (
    "position",
    "product_id",
    "product__list_price",
    "product__group_id",
    "product__group__parent_id",
    "product__group__parent__parent_id",
    "quantity",
    "list_price",
    "price",
    "cost",
)


def offer_lines(offer: Offer) -> list[Line]:
    rows = OfferLine.objects.filter(offer_id=offer.pk).order_by("position")
    return [
        Line(row[0], item_from_row(*row[1:6]), *row[6:]) for row in rows.values_list(*LINE_FIELDS)
    ]


def load_context(offer: Offer, *, user, as_of: datetime.date | None = None) -> Context:
    as_of = as_of or timezone.localdate()
    lines = offer_lines(offer)
    items = list({line.product_id: line.item for line in lines}.values())
    account = offer.account
    members = group_members(account.pk)
    group_lines, clause_lines = _condition_lines(account, members, items, as_of)
    parents = {pk: member.parent_id for pk, member in members.items()}
    names = {pk: member.name for pk, member in members.items()}
    abc_class = authority.account_abc_class(account)
    rules = authority.load_rules()
    requester = user if offer.created_by_id in (None, user.pk) else offer.created_by or user
    return Context(
        offer=offer,
        lines=lines,
        book=PriceBook(parents=parents, names=names, lines=group_lines),
        members=members,
        clauses=_clause_index(account.pk, members, group_lines, clause_lines),
        open_lines=_open_lines(offer, list(members), items),
        authority=authority.authority_of(requester, abc_class, rules),
        floor=authority.company_margin_floor(abc_class, rules),
        as_of=as_of,
    )


def _condition_lines(
    account, members: dict[int, GroupMember], items: list[Item], as_of: datetime.date
) -> tuple[list[Cond], list[Cond]]:
    """The group's active lines, and the lines of the active most-favoured-customer clauses of
    accounts outside the group whose scope reaches this account (all accounts, or the same
    industry): two queries, each with the lines' tiers."""
    if not items:
        return [], []
    group_ids = list(members)
    marks = ", ".join(["%s"] * len(group_ids))
    group_lines = conds_with_tiers(
        agreements_sql=f"a.account_id IN ({marks})", params=group_ids, items=items, as_of=as_of
    )
    scope, params = "a.mfc_scope = %s", [MfcScope.ALL.value]
    if account.industry:
        scope = "a.mfc_scope = %s OR (a.mfc_scope = %s AND c.industry = %s)"
        params += [MfcScope.INDUSTRY.value, account.industry]
    clause_lines = conds_with_tiers(
        agreements_sql=f"NOT (a.mfc_scope = '') AND a.account_id NOT IN ({marks}) AND ({scope})",
        params=[*group_ids, *params],
        items=items,
        as_of=as_of,
    )
    return group_lines, clause_lines


def _in_scope(account_id: int, members: dict[int, GroupMember], line: Cond) -> bool:
    """Whether a clause of another account of the group protects its price against this one."""
    if line.account_id == account_id or not line.mfc_scope:
        return False
    if line.mfc_scope == MfcScope.INDUSTRY:
        industry = members[account_id].industry
        return bool(industry) and members[line.account_id].industry == industry
    return True


def _clause_index(
    account_id: int, members: dict[int, GroupMember], group_lines: list[Cond], outside: list[Cond]
) -> dict[tuple, list[Cond]]:
    """The lines of the clauses in scope by what they cover."""
    index: dict[tuple, list[Cond]] = defaultdict(list)
    inside = [line for line in group_lines if _in_scope(account_id, members, line)]
    for line in inside + outside:
        index[line.key].append(line)
    return index


def _open_lines(offer: Offer, group_ids: list[int], items: list[Item]) -> dict[int, list[OpenLine]]:
    rows = (
        OfferLine.objects.filter(
            offer__account_id__in=group_ids,
            offer__status__in=OPEN_OFFER_STATUSES,
            product_id__in=OfferLine.objects.filter(offer_id=offer.pk).values("product_id"),
        )
        .exclude(offer_id=offer.pk)
        .order_by("offer__number", "position")
        .values_list("offer__number", "offer__account__name", "product_id", "price")
    )
    found: dict[int, list[OpenLine]] = defaultdict(list)
    for row in rows:
        found[row[2]].append(OpenLine(*row))
    return found


def check_offer(offer: Offer, *, user, as_of: datetime.date | None = None) -> list[Finding]:
    context = load_context(offer, user=user, as_of=as_of)
    findings: list[Finding] = []
    for line in context.lines:
        findings += _line_findings(context, line)
    return findings


def _line_findings(context: Context, line: Line) -> list[Finding]:
    agreed = context.book.winner(context.offer.account_id, line.item, line.quantity)
    found: list[Finding] = []
    found += _below_agreement(line, agreed)
    found += _expiring(context, line, agreed)
    if agreed is None or line.price < agreed.price:
        found += _authority(context, line)
    found += _group_conflict(context, line)
    found += _mfc_conflict(context, line)
    found += _open_offer_conflict(line, context.open_lines.get(line.product_id, []))
    return found


def _below_agreement(line: Line, agreed: Candidate | None) -> list[Finding]:
    if agreed is None or line.price <= agreed.price:
        return []
    text = _(
        "The offered price of %(price)s is above the price of %(agreed)s the customer has agreed "
        "in “%(title)s”: the offer contradicts the customer's own agreement."
    ) % {"price": euro(line.price), "agreed": euro(agreed.price), "title": agreed.agreement_title}
    return [Finding("below_agreement", line.position, text)]


def _expiring(context: Context, line: Line, agreed: Candidate | None) -> list[Finding]:
    valid_to = agreed.valid_to if agreed else None
    if valid_to is None or valid_to >= context.offer.valid_until:  # type: ignore[operator]
        return []
    text = _(
        "The agreement “%(title)s” this price relies on ends on %(end)s, before the offer's "
        "validity (%(until)s)."
    ) % {
        "title": agreed.agreement_title,  # type: ignore[union-attr]
        "end": valid_to.strftime("%d.%m.%Y"),  # type: ignore[attr-defined]
        "until": context.offer.valid_until.strftime("%d.%m.%Y"),
    }
    return [Finding("expiring", line.position, text)]


def _authority(context: Context, line: Line) -> list[Finding]:
    found = []
    discount = discount_percent(line.price, line.list_price)
    margin = margin_percent(line.price, line.cost)
    if not context.authority.covers(discount=discount, margin=margin):
        text = _(
            "The discount of %(discount)s %% or the margin of this line is beyond what the offer's "
            "author may grant: the offer needs approval by the right person."
        ) % {"discount": f"{discount}".replace(".", ",")}
        found.append(Finding("above_authority", line.position, text))
    if context.floor is not None and margin is not None and margin < context.floor:
        text = _("The margin of this line is below the floor for the account's class.")
        found.append(Finding("margin_floor", line.position, text))
    return found


def _group_conflict(context: Context, line: Line) -> list[Finding]:
    cheaper = []
    book = context.book
    for member in context.members:
        if member == context.offer.account_id or book.holders.isdisjoint(book.chain(member)):
            continue
        winner = book.winner(member, line.item, line.quantity)
        if winner is not None and winner.price < line.price:
            cheaper.append((winner.price, member, winner))
    if not cheaper:
        return []
    _price, holder, best = min(cheaper, key=lambda found: found[:2])
    text = _(
        "“%(account)s” in the same group gets this product for %(price)s under “%(title)s”, "
        "cheaper than the %(offered)s offered here."
    ) % {
        "account": context.members[holder].name,
        "price": euro(best.price),
        "title": best.agreement_title,
        "offered": euro(line.price),
    }
    return [Finding("group_conflict", line.position, text)]


def _protected(context: Context, line: Line) -> dict[int, tuple[Decimal, Cond]]:
    """Per clause (agreement) covering the line's product: the price it protects, from its most
    specific lines (the lower price on a tie), and the line giving it."""
    protected: dict[int, tuple[Decimal, Cond]] = {}
    for key in line.item.keys:
        if not (clause_lines := context.clauses.get(key)):
            continue
        found: dict[int, tuple[Decimal, Cond]] = {}
        for clause_line in clause_lines:
            agreement_id = clause_line.agreement_id
            if agreement_id in protected:
                continue
            price = _clause_price(context, clause_line, line)
            known = found.get(agreement_id)
            if known is None or price < known[0]:
                found[agreement_id] = (price, clause_line)
        protected.update(found)
    return protected


def _clause_price(context: Context, clause_line: Cond, line: Line) -> Decimal:
    """The price a clause's line protects; clauses share their terms (the same discount on all
    products), so the prices are remembered per terms and list price (per line and quantity
    for a line with tiers)."""
    terms = clause_line.terms
    if terms.tiers:
        key: tuple = (clause_line.id, line.list_price, line.quantity)
    else:
        key = (terms.kind, terms.net_price, terms.percent, line.list_price)
    if (price := context.prices.get(key)) is None:
        price = terms_price(terms, list_price=line.list_price, quantity=line.quantity)
        context.prices[key] = price
    return price


def _mfc_conflict(context: Context, line: Line) -> list[Finding]:
    """One finding per line: the clause protecting the highest price it would undercut, and how
    many other clauses it undercuts too."""
    undercut = [
        (price, -agreement_id, clause_line)
        for agreement_id, (price, clause_line) in _protected(context, line).items()
        if line.price < price
    ]
    if not undercut:
        return []
    price, _agreement_id, clause_line = max(undercut, key=lambda found: found[:2])
    text = _(
        "The offered price of %(price)s undercuts the price of %(protected)s protected by "
        "the most-favoured-customer clause of “%(account)s” in “%(title)s” (scope: "
        "%(scope)s)."
    ) % {
        "price": euro(line.price),
        "protected": euro(price),
        "account": clause_line.account_name,
        "title": clause_line.title,
        "scope": _scope_label(context, clause_line.mfc_scope),
    }
    if len(undercut) > 1:
        text += " " + _("It undercuts %(count)s more such clauses.") % {"count": len(undercut) - 1}
    return [Finding("mfc_conflict", line.position, text)]


def _scope_label(context: Context, scope: str) -> str:
    """The scope's label, translated once per check."""
    if (label := context.labels.get(scope)) is None:
        label = context.labels[scope] = str(MfcScope(scope).label)
    return label


def _open_offer_conflict(line: Line, others: list[OpenLine]) -> list[Finding]:
    differing = [other for other in others if other.price != line.price]
    if not differing:
        return []
    text = "; ".join(
        _("The open offer %(number)s to “%(account)s” offers the same product for %(price)s.")
        % {"number": other.number, "account": other.account_name, "price": euro(other.price)}
        for other in differing[:5]
    )
    return [Finding("open_offer_conflict", line.position, text)]


def requirement_of_offer(offer: Offer, findings: list[Finding]) -> authority.Requirement:
    """The largest discount and the smallest margin among the lines that need approval."""
    positions = {f.position for f in findings if f.severity == Severity.APPROVAL}
    lines = [line for line in offer.lines.all() if line.position in positions]
    discounts = [discount_percent(line.price, line.list_price) for line in lines]
    margins = [m for line in lines if (m := margin_percent(line.price, line.cost)) is not None]
    return authority.Requirement(
        discount=max(discounts) if discounts else None, margin=min(margins) if margins else None
    )
