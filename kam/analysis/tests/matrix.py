"""The analysis URLs in the permission matrix (see kam.testing.matrix)."""

from kam.analysis.tests.factories import make_proposal
from kam.testing.matrix import Row, account_pk


def proposal_pk(objects: dict) -> dict:
    return {"pk": objects["proposal"].pk}


def objects(account, users) -> dict:
    return {"proposal": make_proposal(account)}


ROWS = [
    Row("analysis:proposals", "none", "get", "200 200 200 200 200 302"),
    Row("analysis:settings", "none", "get", "200 200 403 403 403 302"),
    Row("analysis:run_now", "none", "post", "302 302 403 403 403 302"),
    Row("analysis:proposal_confirm", "own", "post", "302 302 302 302 403 302", proposal_pk),
    Row("analysis:proposal_confirm", "foreign", "post", "302 302 404 404 403 302", proposal_pk),
    Row("analysis:proposal_decline", "own", "post", "302 302 302 302 403 302", proposal_pk),
    Row("analysis:proposal_decline", "foreign", "post", "302 302 404 404 403 302", proposal_pk),
    Row("analysis:rating", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("analysis:rating", "foreign", "get", "200 200 404 404 403 302", account_pk),
]
