"""Potential and share of wallet per account and product group, the whitespace of a group, and
the competitors there.

Revenue per product group comes from `ProductGroupFact` (account × top-level product group ×
month), which `refresh_product_group_facts` derives from the sales lines and the catalogue in one
set-based statement. The potential of a cell is the key account manager's estimate where there
is one (with note and date), else kam's peer estimate (kam_analytics.potential: the 90th
percentile of comparable accounts); the source is always shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kam.accounts.models import Account
from kam.accounts.selectors import account_group_ids, accounts_visible_to
from kam.core.money import cents_to_decimal
from kam.referrals.models import ProductGroupFact, WhitespaceCell
from kam.sales import figures
from kam_analytics.potential import peer_potential, size_classes

_REFRESH_SQL = """
INSERT INTO {fact} (account_id, product_group_id, month, revenue_cents, margin_cents)
SELECT l.account_id, COALESCE(g3.id, g2.id, g1.id), l.invoice_month,
       SUM(l.net_revenue_cents), SUM(COALESCE(l.margin_cents, 0))
FROM {line} l
JOIN {product} p ON p.number = l.product_number
JOIN {group} g1 ON g1.id = p.group_id
LEFT JOIN {group} g2 ON g2.id = g1.parent_id
LEFT JOIN {group} g3 ON g3.id = g2.parent_id
GROUP BY l.account_id, COALESCE(g3.id, g2.id, g1.id), l.invoice_month
"""


def group_model():
    from django.apps import apps

    return apps.get_model("conditions", "ProductGroup")


def refresh_product_group_facts() -> int:
    """Recomputes every account's revenue per top-level product group and month; idempotent."""
    from django.apps import apps

    from kam.sales.models import SalesLine

    product = apps.get_model("conditions", "Product")
    sql = _REFRESH_SQL.format(
        fact=ProductGroupFact._meta.db_table,
        line=SalesLine._meta.db_table,
        product=product._meta.db_table,
        group=group_model()._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        ProductGroupFact.objects.all().delete()
        cursor.execute(sql)
    return ProductGroupFact.objects.count()


def top_groups() -> list:
    return list(group_model().objects.filter(parent=None).order_by("name"))


def group_revenue(
    window: figures.Window, account_ids=None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(account, group) -> (revenue, margin) in cents over the window."""
    facts = ProductGroupFact.objects.filter(
        month__gte=window.first_month, month__lte=window.last_month
    )
    if account_ids is not None:
        facts = facts.filter(account_id__in=account_ids)
    rows = facts.values("account_id", "product_group_id").annotate(
        revenue=Sum("revenue_cents"), margin=Sum("margin_cents")
    )
    return {(r["account_id"], r["product_group_id"]): (r["revenue"], r["margin"]) for r in rows}


@dataclass(frozen=True)
class PeerEstimates:
    potential_cents: dict[tuple[int, int], int]
    peers: dict[int, int]
    basis: dict[int, str]


def peer_estimates(*, as_of: date) -> PeerEstimates:
    """kam's potential of every account with sales in a product group, from its peers (kept in
    the cache for a while: it reads the facts of every account)."""
    key = f"kam:peer-potential:{as_of.isoformat()}:{ProductGroupFact.objects.count()}"
    found = cache.get(key)
    if found is None:
        found = _peer_estimates(as_of=as_of)
        cache.set(key, found, 600)
    return found


def _peer_estimates(*, as_of: date) -> PeerEstimates:
    window = figures.window_as_of(as_of)
    revenue = group_revenue(window)
    groups = sorted({g for _, g in revenue})
    accounts = list(Account.objects.order_by("pk").values_list("pk", "industry"))
    if not groups or not accounts:
        return PeerEstimates({}, {}, {})
    index = {pk: row for row, (pk, _) in enumerate(accounts)}
    matrix = np.zeros((len(accounts), len(groups)))
    for (account_id, group_id), (cents, _margin) in revenue.items():
        matrix[index[account_id], groups.index(group_id)] = cents / 100
    industry = np.array([ind or "" for _, ind in accounts])
    result = peer_potential(matrix, industry, size_classes(matrix.sum(axis=1)))
    potential = {
        (pk, group): int(round(result.potential[row, col] * 100))
        for pk, row in index.items()
        for col, group in enumerate(groups)
        if not np.isnan(result.potential[row, col])
    }
    return PeerEstimates(
        potential,
        {pk: int(result.peers[row]) for pk, row in index.items()},
        {pk: str(result.basis[row]) for pk, row in index.items()},
    )


# --- cells


BASIS_TEXT = {
    "industry_and_size": gettext_noop("from %(n)s accounts of the same industry and size"),
    "industry": gettext_noop("from %(n)s accounts of the same industry"),
    "size": gettext_noop("from %(n)s accounts of the same size"),
}


@dataclass
class Cell:
    account: Account
    group: object
    revenue_cents: int
    potential_cents: int | None
    source: str  # "estimate", "peers" or ""
    source_text: str
    known: WhitespaceCell | None

    @property
    def revenue(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_cents)

    @property
    def potential(self) -> Decimal | None:
        return cents_to_decimal(self.potential_cents)

    @property
    def share(self) -> float | None:
        return figures.share(self.revenue_cents, self.potential_cents)

    @property
    def untapped(self) -> Decimal | None:
        if self.potential_cents is None:
            return None
        return cents_to_decimal(max(self.potential_cents - self.revenue_cents, 0))

    @property
    def blocked(self) -> bool:
        return bool(self.known and self.known.blocked_reason)

    @property
    def colour(self) -> str:
        """A class for the grid: the higher our share, the greener."""
        if self.blocked:
            return "ws-blocked"
        share = self.share
        if share is None:
            return "ws-unknown"
        return "ws-high" if share >= 0.6 else "ws-mid" if share >= 0.25 else "ws-low"


def _cell(account, group, revenue, known, peers: PeerEstimates) -> Cell:
    if known is not None and known.potential_estimate is not None:
        who = known.estimated_by.get_full_name() if known.estimated_by else ""
        text = _("estimated by %(who)s on %(date)s") % {
            "who": who or _("the account team"),
            "date": known.estimated_on.strftime("%d.%m.%Y") if known.estimated_on else "–",
        }
        return Cell(
            account, group, revenue, int(known.potential_estimate * 100), "estimate", text, known
        )
    cents = peers.potential_cents.get((account.pk, group.pk))
    if cents is None:
        return Cell(account, group, revenue, None, "", _("too few comparable accounts"), known)
    text = _(BASIS_TEXT[peers.basis[account.pk]]) % {"n": peers.peers[account.pk]}
    return Cell(account, group, revenue, cents, "peers", text, known)


@dataclass
class Grid:
    groups: list
    rows: list[tuple[Account, list[Cell]]]
    totals: list[Cell]


def whitespace_grid(user, account: Account, *, as_of: date) -> Grid:
    """Rows: the visible members of the account's group (any depth, the account first);
    columns: the top-level product groups."""
    member_ids = account_group_ids(account.pk)
    members = list(accounts_visible_to(user).filter(pk__in=member_ids).order_by("name"))
    members.sort(key=lambda a: a.pk != account.pk)
    groups = top_groups()
    revenue = group_revenue(figures.window_as_of(as_of), [a.pk for a in members])
    known = {
        (c.account_id, c.product_group_id): c
        for c in WhitespaceCell.objects.filter(account__in=members).select_related(
            "competitor", "estimated_by"
        )
    }
    peers = peer_estimates(as_of=as_of)
    rows = [
        (
            member,
            [
                _cell(
                    member,
                    g,
                    revenue.get((member.pk, g.pk), (0, 0))[0],
                    known.get((member.pk, g.pk)),
                    peers,
                )
                for g in groups
            ],
        )
        for member in members
    ]
    return Grid(
        groups,
        rows,
        [_column_total(account, g, [r[1][i] for r in rows]) for i, g in enumerate(groups)],
    )


def _column_total(account, group, cells: list[Cell]) -> Cell:
    potentials = [c.potential_cents for c in cells if c.potential_cents is not None]
    return Cell(
        account,
        group,
        sum(c.revenue_cents for c in cells),
        sum(potentials) if potentials else None,
        "",
        "",
        None,
    )


def account_cells(user, account: Account, *, as_of: date) -> list[Cell]:
    """The account's own row of the grid."""
    grid = whitespace_grid(user, account, as_of=as_of)
    return next((cells for member, cells in grid.rows if member.pk == account.pk), [])


def potential_totals(*, as_of: date) -> dict[int, tuple[int, int]]:
    """Per account: (revenue, potential) in cents summed over the product groups with a known
    potential, the estimate where the team gave one, else the peers' (for the score)."""
    window = figures.window_as_of(as_of)
    revenue = group_revenue(window)
    potential = dict(peer_estimates(as_of=as_of).potential_cents)
    estimates = WhitespaceCell.objects.exclude(potential_estimate=None).values_list(
        "account_id", "product_group_id", "potential_estimate"
    )
    for account_id, group_id, estimate in estimates:
        potential[(account_id, group_id)] = int((estimate or 0) * 100)
    totals: dict[int, list[int]] = {}
    for (account_id, group_id), cents in potential.items():
        pair = totals.setdefault(account_id, [0, 0])
        pair[0] += revenue.get((account_id, group_id), (0, 0))[0]
        pair[1] += cents
    return {account_id: (r, p) for account_id, (r, p) in totals.items()}


# --- competitors


@dataclass
class CompetitorPresence:
    competitor: object
    positions: list[WhitespaceCell]
    untapped_cents: int
    ending_soon: list[WhitespaceCell]

    @property
    def untapped(self) -> Decimal | None:
        return cents_to_decimal(self.untapped_cents)


def competitor_overview(user, *, as_of: date) -> list[CompetitorPresence]:
    """Where each competitor sits with the user's accounts, the potential we do not reach
    there, and its contracts that end within twelve months (a chance to win)."""
    from kam.referrals.models import Competitor

    cells = list(
        WhitespaceCell.objects.filter(
            account__in=accounts_visible_to(user).values("id"), competitor__isnull=False
        ).select_related("account", "product_group", "competitor")
    )
    revenue = group_revenue(figures.window_as_of(as_of), {c.account_id for c in cells})
    peers = peer_estimates(as_of=as_of) if cells else PeerEstimates({}, {}, {})
    horizon = date(as_of.year + 1, as_of.month, min(as_of.day, 28))
    overview = []
    for competitor in Competitor.objects.filter(active=True):
        mine = [c for c in cells if c.competitor_id == competitor.pk]
        untapped = sum(
            max(
                (
                    _cell(
                        c.account,
                        c.product_group,
                        revenue.get((c.account_id, c.product_group_id), (0, 0))[0],
                        c,
                        peers,
                    ).potential_cents
                    or 0
                )
                - revenue.get((c.account_id, c.product_group_id), (0, 0))[0],
                0,
            )
            for c in mine
        )
        ending = [c for c in mine if c.contract_end and as_of <= c.contract_end <= horizon]
        overview.append(CompetitorPresence(competitor, mine, untapped, ending))
    return overview
