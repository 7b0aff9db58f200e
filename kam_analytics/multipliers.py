"""What referrals are worth: the business of referred accounts attributed to their referrers.

A referred account's revenue and margin count for its referrer from the month the referral was
received on (what it bought before was not brought by the referral). When several accounts
referred the same company, each gets an equal share, so the company's business is counted once
in the portfolio, never twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ReferralLink:
    referrer: int
    referred: int
    from_month: int  # month index (year * 12 + month - 1) of the referral
    converted: bool


@dataclass(frozen=True)
class MonthSum:
    month: int  # month index
    revenue_cents: int
    margin_cents: int


@dataclass
class Attributed:
    referrals: int = 0
    converted: int = 0
    revenue_window_cents: int = 0
    margin_window_cents: int = 0
    revenue_total_cents: int = 0
    margin_total_cents: int = 0


def attribute(
    links: Iterable[ReferralLink],
    sums: Mapping[int, Iterable[MonthSum]],
    *,
    window_first: int,
    window_last: int,
) -> dict[int, Attributed]:
    """Per referrer: its referrals, those converted, and its share of the referred business in
    the window (months `window_first`..`window_last`) and in total up to `window_last`."""
    links = list(links)
    referrers_of: dict[int, int] = defaultdict(int)
    for link in links:
        referrers_of[link.referred] += 1
    result: dict[int, Attributed] = defaultdict(Attributed)
    for link in links:
        value = result[link.referrer]
        value.referrals += 1
        value.converted += int(link.converted)
        share = referrers_of[link.referred]
        for month in sums.get(link.referred, ()):
            if month.month < link.from_month or month.month > window_last:
                continue
            revenue, margin = round(month.revenue_cents / share), round(month.margin_cents / share)
            value.revenue_total_cents += revenue
            value.margin_total_cents += margin
            if month.month >= window_first:
                value.revenue_window_cents += revenue
                value.margin_window_cents += margin
    return dict(result)
