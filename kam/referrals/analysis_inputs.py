"""Referrals' and references' input to the key-account score (the contract is in
kam.core.plugins): the rated criterion "reference and recommendation value" computed from data
for every account that referred someone or served as a reference; the typed-in rating stays for
the others."""

from datetime import date

import numpy as np

from kam.referrals.selectors import multiplier_values, reference_values
from kam_analytics.scoring import percentile_ranks, ratings_from_data


def account_ratings(*, as_of: date) -> dict[str, dict[int, float]]:
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
