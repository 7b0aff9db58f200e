"""`kam demo`: ratings for the key accounts, then one analysis over the demo sales."""

import random

from django.utils import timezone

from kam.accounts.models import KeyAccountStatus
from kam.analysis.engine import NoFactsError
from kam.analysis.models import AccountRating, RunTrigger
from kam.analysis.services import analysis_run


def _ratings(rng: random.Random, company) -> list[AccountRating]:
    """The account teams rated their key accounts and candidates; the rest is not rated."""
    rater = company.users.get("leitung")
    return [
        AccountRating(
            account=account,
            updated_by=rater,
            **{name: rng.randint(2, 5) for name in AccountRating.RATED_FIELDS},
        )
        for account in company.accounts
        if account.status != KeyAccountStatus.NONE
    ]


def populate(rng: random.Random, company) -> None:
    AccountRating.objects.bulk_create(_ratings(rng, company), batch_size=500)
    try:
        analysis_run(as_of=timezone.localdate(), trigger=RunTrigger.DEMO)
    except NoFactsError:
        return  # no demo sales (the sales app is not installed): nothing to analyse
