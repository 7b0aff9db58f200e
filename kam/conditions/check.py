"""The offer check: run on every save of an offer and before it is sent.

Each finding has a code, the offer line's position, a sentence a salesperson understands and a
severity: `blocks` (the offer cannot be sent), `approval` (it goes to the right approver first)
or `note`. Everything the check needs is loaded up front in a fixed number of queries (the
group's and the most-favoured-customer clauses' condition lines in one), so an offer of a
hundred lines costs no more queries than one of a single line.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.conditions import authority
from kam.conditions.models import (
    OPEN_OFFER_STATUSES,
    Agreement,
    ConditionLine,
    MfcScope,
    Offer,
    OfferLine,
    Severity,
)
from kam.conditions.pricing import Candidate, discount_percent, margin_percent
from kam.conditions.pricing import net_price as terms_price
from kam.conditions.resolution import (
    PriceBook,
    active_agreements_on,
    attach_tiers,
    covering,
    group_tree,
    line_key,
    line_terms,
    load_lines,
    product_group_ids,
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


@dataclass
class Context:
    """What the check loaded for one offer."""

    offer: Offer
    lines: list[OfferLine]
    book: PriceBook
    names: dict[int, str]
    mfc: list[ConditionLine]
    open_lines: list[OfferLine]
    authority: authority.Authority
    floor: Decimal | None
    as_of: datetime.date


def load_context(offer: Offer, *, user, as_of: datetime.date | None = None) -> Context:
    as_of = as_of or timezone.localdate()
    lines = list(offer.lines.select_related("product__group__parent__parent"))
    products = list({line.product_id: line.product for line in lines}.values())
    account = offer.account
    _top, parents, info = group_tree(account)
    names = {pk: name for pk, (name, _industry) in info.items()}
    group_lines, mfc = _condition_lines(account, info, products, as_of) if products else ([], [])
    book = PriceBook(
        parents=parents, names=names, products=products, as_of=as_of, lines=group_lines
    )
    abc_class = authority.account_abc_class(account)
    rules = authority.load_rules()
    requester = user if offer.created_by_id in (None, user.pk) else offer.created_by or user
    return Context(
        offer=offer,
        lines=lines,
        book=book,
        names=names,
        mfc=mfc,
        open_lines=_open_lines(offer, list(parents), products),
        authority=authority.authority_of(requester, abc_class, rules),
        floor=authority.company_margin_floor(abc_class, rules),
        as_of=as_of,
    )


def _condition_lines(
    account, info: dict[int, tuple[str, str]], products, as_of
) -> tuple[list[ConditionLine], list[ConditionLine]]:
    """The group's lines, and the lines of most-favoured-customer clauses in scope (inside the
    group and outside: the clauses are few, found by status and their scope checked here), with
    their tiers: four queries."""
    group_ids = list(info)
    lines = load_lines(account_ids=group_ids, products=products, as_of=as_of, tiers=False)
    outside = [
        agreement.pk
        for agreement in Agreement.objects.filter(active_agreements_on(as_of))
        .exclude(mfc_scope="")
        .exclude(account_id__in=group_ids)
        .select_related("account")
        .only("pk", "mfc_scope", "account__industry")
        if agreement.mfc_scope == MfcScope.ALL
        or (_same_industry(account, agreement.account.industry))
        and agreement.mfc_scope == MfcScope.INDUSTRY
    ]
    covers = covering(products)
    clause_lines = (
        [
            line
            for line in ConditionLine.objects.filter(agreement_id__in=outside).select_related(
                "agreement", "agreement__account"
            )
            if covers(line)
        ]
        if outside
        else []
    )
    attach_tiers(lines + clause_lines)
    inside = [
        line
        for line in lines
        if line.agreement.account_id != account.pk
        and (
            line.agreement.mfc_scope in (MfcScope.GROUP, MfcScope.ALL)
            or line.agreement.mfc_scope == MfcScope.INDUSTRY
            and _same_industry(account, info[line.agreement.account_id][1])
        )
    ]
    return lines, inside + clause_lines


def _same_industry(account, industry: str) -> bool:
    return bool(account.industry) and industry == account.industry


def _open_lines(offer: Offer, group_ids: list[int], products) -> list[OfferLine]:
    return list(
        OfferLine.objects.filter(
            offer__account_id__in=group_ids,
            offer__status__in=OPEN_OFFER_STATUSES,
            product_id__in=[product.pk for product in products],
        )
        .exclude(offer_id=offer.pk)
        .select_related("offer", "offer__account")
        .order_by("offer__number", "position")
    )


def check_offer(offer: Offer, *, user, as_of: datetime.date | None = None) -> list[Finding]:
    context = load_context(offer, user=user, as_of=as_of)
    others: dict[int, list[OfferLine]] = defaultdict(list)
    for other in context.open_lines:
        others[other.product_id].append(other)
    clauses = _clause_index(context.mfc)
    findings: list[Finding] = []
    for line in context.lines:
        findings += _line_findings(context, line, others[line.product_id], clauses)
    return findings


def _line_findings(context: Context, line: OfferLine, others, mfc_agreements) -> list[Finding]:
    resolution = context.book.resolve(context.offer.account_id, line.product, line.quantity)
    agreed = resolution.winner
    found: list[Finding] = []
    found += _below_agreement(line, agreed)
    found += _expiring(context, line, agreed)
    if agreed is None or line.price < agreed.price:
        found += _authority(context, line)
    found += _group_conflict(context, line)
    found += _mfc_conflict(context, line, mfc_agreements)
    found += _open_offer_conflict(line, others)
    return found


def _below_agreement(line: OfferLine, agreed: Candidate | None) -> list[Finding]:
    if agreed is None or line.price <= agreed.price:
        return []
    text = _(
        "The offered price of %(price)s is above the price of %(agreed)s the customer has agreed "
        "in “%(title)s”: the offer contradicts the customer's own agreement."
    ) % {"price": euro(line.price), "agreed": euro(agreed.price), "title": agreed.agreement_title}
    return [Finding("below_agreement", line.position, text)]


def _expiring(context: Context, line: OfferLine, agreed: Candidate | None) -> list[Finding]:
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


def _authority(context: Context, line: OfferLine) -> list[Finding]:
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


def _group_conflict(context: Context, line: OfferLine) -> list[Finding]:
    cheaper = []
    for member in context.book.parents:
        if member == context.offer.account_id:
            continue
        winner = context.book.resolve(member, line.product, line.quantity).winner
        if winner is not None and winner.price < line.price:
            cheaper.append((winner.price, member, winner))
    if not cheaper:
        return []
    _price, holder, best = min(cheaper, key=lambda found: found[:2])
    text = _(
        "“%(account)s” in the same group gets this product for %(price)s under “%(title)s”, "
        "cheaper than the %(offered)s offered here."
    ) % {
        "account": context.names.get(holder, ""),
        "price": euro(best.price),
        "title": best.agreement_title,
        "offered": euro(line.price),
    }
    return [Finding("group_conflict", line.position, text)]


def _clause_index(lines: list[ConditionLine]) -> dict[int, dict[tuple, list[ConditionLine]]]:
    """Each clause's lines by what they cover: ("p", product), ("g", group) or ("all",)."""
    index: dict[int, dict[tuple, list[ConditionLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        index[line.agreement_id][line_key(0, line)[1:]].append(line)
    return index


def _protected(clause: dict[tuple, list[ConditionLine]], line: OfferLine, keys) -> tuple | None:
    """The price the clause protects for the line's product (its most specific line, the lower
    price on a tie) and that line's agreement id."""
    for key in keys:
        if found := clause.get(key):
            return min(
                (
                    terms_price(line_terms(cl), list_price=line.list_price, quantity=line.quantity),
                    -cl.agreement_id,
                )
                for cl in found
            )
    return None


def _mfc_conflict(context: Context, line: OfferLine, clauses) -> list[Finding]:
    """One finding per line: the clause protecting the highest price it would undercut, and how
    many other clauses it undercuts too."""
    groups = product_group_ids(line.product)
    keys = [("p", line.product_id)] + [("g", group) for group in groups] + [("all",)]
    undercut = []
    for clause in clauses.values():
        protected = _protected(clause, line, keys)
        if protected is not None and line.price < protected[0]:
            undercut.append((*protected, next(iter(clause.values()))[0]))
    if not undercut:
        return []
    price, _agreement_id, clause_line = max(undercut, key=lambda found: found[:2])
    agreement = clause_line.agreement
    text = _(
        "The offered price of %(price)s undercuts the price of %(protected)s protected by "
        "the most-favoured-customer clause of “%(account)s” in “%(title)s” (scope: "
        "%(scope)s)."
    ) % {
        "price": euro(line.price),
        "protected": euro(price),
        "account": context.names.get(agreement.account_id) or agreement.account.name,
        "title": agreement.title,
        "scope": agreement.get_mfc_scope_display(),
    }
    if len(undercut) > 1:
        text += " " + _("It undercuts %(count)s more such clauses.") % {"count": len(undercut) - 1}
    return [Finding("mfc_conflict", line.position, text)]


def _open_offer_conflict(line: OfferLine, others: list[OfferLine]) -> list[Finding]:
    differing = [other for other in others if other.price != line.price]
    if not differing:
        return []
    text = "; ".join(
        _("The open offer %(number)s to “%(account)s” offers the same product for %(price)s.")
        % {
            "number": other.offer.number,
            "account": other.offer.account.name,
            "price": euro(other.price),
        }
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
