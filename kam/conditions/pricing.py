"""Pure price arithmetic of condition lines and the specificity order of resolution (no ORM).

Specificity is a pair compared lexicographically, smaller is more specific:
(account distance: 0 the account's own agreement, 1 its parent's, 2 the grandparent's ...;
product rank: 0 the product, 1 its own product group, 2 the group above, 3 the top group,
4 every product). Account comes first: an agreement of the account for all its products beats
a group agreement for the product ("account before group ancestors; product before product
group before all"). Among equally specific conditions the lower price wins, then the older line,
so resolution is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ALL_PRODUCTS_RANK = 4


def round_price(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tier:
    from_quantity: Decimal
    net_price: Decimal | None
    percent: Decimal | None


@dataclass(frozen=True)
class Terms:
    """A condition line's price terms: net price, discount or surcharge, with volume tiers."""

    kind: str  # net_price | discount | surcharge
    net_price: Decimal | None
    percent: Decimal | None
    tiers: tuple[Tier, ...] = ()


def tier_for(tiers: Sequence[Tier], quantity: Decimal) -> Tier | None:
    """The highest tier whose from-quantity the quantity reaches."""
    reached = [tier for tier in tiers if tier.from_quantity <= quantity]
    return max(reached, key=lambda tier: tier.from_quantity) if reached else None


def net_price(terms: Terms, *, list_price: Decimal, quantity: Decimal) -> Decimal:
    """The unit price these terms give for a quantity of a product with this list price."""
    tier = tier_for(terms.tiers, quantity) if terms.tiers else None
    if tier is not None and tier.net_price is not None:
        return round_price(tier.net_price)
    if tier is not None and tier.percent is not None:
        return round_price(list_price * (100 - tier.percent) / 100)
    if terms.kind == "net_price" and terms.net_price is not None:
        return round_price(terms.net_price)
    percent = terms.percent or Decimal(0)
    if terms.kind == "surcharge":
        return round_price(list_price * (100 + percent) / 100)
    return round_price(list_price * (100 - percent) / 100)


@dataclass(frozen=True)
class Candidate:
    """An applicable condition line, with how specific it is and the price it gives."""

    line_id: int
    agreement_id: int
    agreement_title: str
    account_id: int
    account_name: str
    account_distance: int
    product_rank: int
    price: Decimal
    valid_to: object = None  # datetime.date | None

    @property
    def specificity(self) -> tuple[int, int]:
        return (self.account_distance, self.product_rank)

    @property
    def order(self) -> tuple[int, int, Decimal, int]:
        return (self.account_distance, self.product_rank, self.price, self.line_id)


def choose(candidates: Iterable[Candidate]) -> Candidate | None:
    """The winner: the most specific candidate; the lower price, then the older line on a tie."""
    return min(candidates, key=lambda candidate: candidate.order, default=None)


@dataclass
class Resolution:
    """The resolved price of (account, product, quantity) and why."""

    list_price: Decimal
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def winner(self) -> Candidate | None:
        return choose(self.candidates)

    @property
    def price(self) -> Decimal:
        winner = self.winner
        return winner.price if winner else round_price(self.list_price)

    @property
    def ranked(self) -> list[Candidate]:
        return sorted(self.candidates, key=lambda candidate: candidate.order)


def discount_percent(price: Decimal, list_price: Decimal) -> Decimal:
    if not list_price:
        return Decimal(0)
    return round_price((1 - price / list_price) * 100)


def margin_percent(price: Decimal, cost: Decimal | None) -> Decimal | None:
    if cost is None or not price:
        return None
    return round_price((price - cost) / price * 100)


# --- bonus and discount cost (reused by profitability: clear inputs, no ORM)


@dataclass(frozen=True)
class BonusProgress:
    revenue: Decimal
    percent: Decimal  # of the tier reached, 0 below the first
    accrued: Decimal  # percent x revenue so far
    next_from: Decimal | None
    next_percent: Decimal | None
    still_needed: Decimal | None
    expected: Decimal | None  # at the projected year revenue


def bonus_progress(
    *,
    revenue: Decimal,
    tiers: Sequence[tuple[Decimal, Decimal]],
    projected_revenue: Decimal | None = None,
) -> BonusProgress:
    """Annual bonus progress: `tiers` are (from revenue, percent); the percent of the highest tier
    reached applies to the whole year's revenue (the usual retroactive Jahresbonus)."""
    ordered = sorted(tiers)
    reached = [tier for tier in ordered if tier[0] <= revenue]
    percent = reached[-1][1] if reached else Decimal(0)
    upcoming = [tier for tier in ordered if tier[0] > revenue]
    expected = None
    if projected_revenue is not None:
        expected = bonus_amount(revenue=projected_revenue, tiers=ordered)
    return BonusProgress(
        revenue=revenue,
        percent=percent,
        accrued=round_price(revenue * percent / 100),
        next_from=upcoming[0][0] if upcoming else None,
        next_percent=upcoming[0][1] if upcoming else None,
        still_needed=(upcoming[0][0] - revenue) if upcoming else None,
        expected=expected,
    )


def bonus_amount(*, revenue: Decimal, tiers: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    reached = [percent for start, percent in sorted(tiers) if start <= revenue]
    return round_price(revenue * (reached[-1] if reached else 0) / 100)


def discount_cost(*, list_price: Decimal, price: Decimal, quantity: Decimal) -> Decimal:
    """What a price below list costs on a quantity (0 when at or above list)."""
    return round_price(max(list_price - price, Decimal(0)) * quantity)
