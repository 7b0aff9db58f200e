"""Referrals', references' and potential's input to the key-account score (the contract is in
kam.core.plugins): ratings computed from data replace the typed-in ones where the data exists:
"reference and recommendation value" for every account that referred someone or served as a
reference, "potential" and "share of wallet" for every account with a known potential (so the
portfolio matrix's attractiveness uses the potential too)."""

from datetime import date

import numpy as np

from kam.referrals.potential import potential_totals
from kam.referrals.selectors import multiplier_values, reference_values
from kam_analytics.scoring import percentile_ranks, ratings_from_data


def account_ratings(*, as_of: date) -> dict[str, dict[int, float]]:
    return _reference_ratings(as_of) | _potential_ratings(as_of)


def _potential_ratings(as_of: date) -> dict[str, dict[int, float]]:
    totals = potential_totals(as_of=as_of)
    ids = sorted(i for i, (_revenue, potential) in totals.items() if potential > 0)
    if not ids:
        return {}
    potential = ratings_from_data(np.array([totals[i][1] for i in ids], dtype=np.float64))
    shares = [min(totals[i][0] / totals[i][1], 1.0) for i in ids]
    return {
        "potential": {i: float(r) for i, r in zip(ids, potential, strict=True)},
        "share_of_wallet": {i: 1 + 4 * s for i, s in zip(ids, shares, strict=True)},
    }


def _reference_ratings(as_of: date) -> dict[str, dict[int, float]]:
    multipliers = multiplier_values(as_of=as_of)
    references = reference_values()
    ids = sorted(set(multipliers) | set(references))
    if not ids:
        return {}
    margin = np.array(
        [multipliers[i].margin_window_cents if i in multipliers else np.nan for i in ids]
    )
    served = np.array(
        [
            references[i].won + 0.25 * references[i].served if i in references else np.nan
            for i in ids
        ]
    )
    ranks = np.nanmean(np.vstack([percentile_ranks(margin), percentile_ranks(served)]), axis=0)
    ratings = ratings_from_data(ranks)
    return {"reference_value": {i: float(r) for i, r in zip(ids, ratings, strict=True)}}
