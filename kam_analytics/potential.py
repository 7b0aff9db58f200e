"""Customer potential from peers: the "realistic wallet" of high-quantile modelling.

What a customer could buy from us in a product group is estimated as a high quantile (by default
the 90th percentile) of the yearly revenue that comparable customers spend with us in that group
(Merugu, Rosset et al., "Wallet estimation models", IBM Research, KDD 2007: the share of the best
comparable customers is what a customer could realistically reach). Comparable means the same
industry and size class; with too few of those, the same industry of any size, then the same size
class of any industry; with still too few, no estimate. An account is never estimated below what
it already buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Size classes by yearly revenue (EUR): below 50k, 50k–500k, 500k–5M, above.
SIZE_BOUNDS_EUR = (50_000, 500_000, 5_000_000)
BASES = ("industry_and_size", "industry", "size", "none")


def size_classes(yearly_revenue_eur: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.searchsorted(
        np.asarray(SIZE_BOUNDS_EUR, dtype=np.float64), yearly_revenue_eur, side="right"
    )


@dataclass(frozen=True)
class PeerPotential:
    potential: NDArray[np.float64]  # accounts × groups, NaN where no estimate
    peers: NDArray[np.int64]  # per account: how many comparable accounts the estimate rests on
    basis: NDArray[np.str_]  # per account: one of BASES


def peer_potential(
    revenue: NDArray[np.float64],
    industry: NDArray[np.str_],
    size_class: NDArray[np.int64],
    *,
    quantile: float = 0.9,
    min_peers: int = 5,
) -> PeerPotential:
    """`revenue[i, g]`: account i's yearly revenue in product group g (0 where nothing)."""
    revenue = np.asarray(revenue, dtype=np.float64)
    n = revenue.shape[0]
    potential = np.full(revenue.shape, np.nan)
    peers = np.zeros(n, dtype=np.int64)
    basis = np.full(n, "none", dtype="<U20")
    for (ind, size), rows in _cells(industry, size_class).items():
        for name, mask in _peer_masks(industry, size_class, ind, size):
            count = int(mask.sum())
            if count >= min_peers:
                level = np.quantile(revenue[mask], quantile, axis=0)
                potential[rows] = np.maximum(level[None, :], revenue[rows])
                peers[rows], basis[rows] = count, name
                break
    return PeerPotential(potential, peers, basis)


def _cells(industry, size_class) -> dict[tuple[str, int], NDArray[np.int64]]:
    cells: dict[tuple[str, int], list[int]] = {}
    for row, key in enumerate(zip(industry.tolist(), size_class.tolist(), strict=True)):
        cells.setdefault(key, []).append(row)
    return {key: np.asarray(rows) for key, rows in cells.items()}


def _peer_masks(industry, size_class, ind: str, size: int):
    same_industry = (industry == ind) if ind else np.zeros(len(industry), dtype=bool)
    same_size = size_class == size
    yield "industry_and_size", same_industry & same_size
    yield "industry", same_industry
    yield "size", same_size


def share_of_wallet(
    revenue: NDArray[np.float64], potential: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Our revenue as a share of the potential (NaN where the potential is unknown or 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(potential > 0, revenue / np.where(potential > 0, potential, 1), np.nan)
