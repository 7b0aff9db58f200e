"""The referral URLs in the permission matrix (see kam.testing.matrix)."""

from datetime import date

from kam.referrals.models import ReferenceProfile
from kam.referrals.tests.factories import refer
from kam.testing.factories import AccountFactory
from kam.testing.matrix import Row, account_pk, allowed


def objects(account, users) -> dict:
    referred = AccountFactory(owner=account.owner)
    ReferenceProfile.objects.create(account=account, permits_call=True)
    return {"referral": refer(account, referred, on=date(2025, 5, 1))}


def referral_pk(objects: dict) -> dict:
    return {"pk": objects["referral"].pk}


STATUS = {"to_status": "contacted", "comment": ""}
# root, leader, alice (owns "own"), bob (edit seat on "own"), sam (customer service), anonymous
ROWS = [
    Row("referrals:list", "none", "get", "200 200 200 200 200 302"),
    Row("referrals:network", "none", "get", "200 200 200 200 200 302"),
    Row("referrals:network_data", "none", "get", "200 200 200 200 200 302"),
    Row("referrals:references", "none", "get", "200 200 200 200 200 302"),
    Row("referrals:create", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("referrals:create", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("referrals:detail", "own", "get", "200 200 200 200 200 302", referral_pk),
    Row("referrals:detail", "foreign", "get", "200 200 404 404 200 302", referral_pk),
    Row("referrals:detail", "own", "post", "302 302 302 302 403 302", referral_pk, STATUS),
    Row("referrals:detail", "foreign", "post", "302 302 404 404 403 302", referral_pk, STATUS),
    Row("referrals:delete", "own", "get", "200 200 200 200 403 302", referral_pk),
    Row("referrals:delete", "foreign", "get", "200 200 404 404 403 302", referral_pk),
    Row("referrals:profile", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("referrals:profile", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("referrals:request_create", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("referrals:request_create", "foreign", "get", "200 200 404 404 403 302", account_pk),
]


def whitespace_cell_kwargs(objects: dict) -> dict:
    from kam.conditions.tests.factories import group_path

    return {"pk": objects["account"].pk, "group_pk": group_path("Matrixgruppe").pk}


def competitor_kwargs(objects: dict) -> dict:
    from kam.referrals.models import Competitor

    return {"pk": Competitor.objects.get_or_create(name="Matrix-Wettbewerber")[0].pk}


COMPETITORS = allowed("can_manage_competitors", "200", "403")
ROWS += [
    Row("referrals:whitespace", "own", "get", "200 200 200 200 200 302", account_pk),
    Row("referrals:whitespace", "foreign", "get", "200 200 404 404 200 302", account_pk),
    Row(
        "referrals:whitespace_cell", "own", "get", "200 200 200 200 403 302", whitespace_cell_kwargs
    ),
    Row(
        "referrals:whitespace_cell",
        "foreign",
        "get",
        "200 200 404 404 403 302",
        whitespace_cell_kwargs,
    ),
    Row("referrals:competitors", "none", "get", "200 200 200 200 200 302"),
    Row("referrals:competitor_create", "none", "get", COMPETITORS),
    Row("referrals:competitor_update", "none", "get", COMPETITORS, competitor_kwargs),
]
