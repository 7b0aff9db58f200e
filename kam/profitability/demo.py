"""`kam demo`: the statements of the demo company, computed from what the other apps added (the
default cost rates come with the migration). Runs after them: profitability is installed last."""

import random

from kam.profitability.services import statements_refresh_all


def populate(rng: random.Random, company) -> None:
    statements_refresh_all()
