"""The profitability URLs in the permission matrix (see kam.testing.matrix): everything needs the
margin permission (field reps and customer service see nothing, not even of their own
accounts); the cost rates need `can_edit_cost_rates`."""

import datetime

from kam.profitability.models import CostRates
from kam.testing.matrix import Row, account_pk, allowed


def objects(account, users) -> dict:
    month = datetime.date(1995, 1 + account.pk % 12, 1)
    return {"rates": CostRates.objects.create(valid_from=month, valid_until=month)}


def month_kwargs(objects: dict) -> dict:
    return {"pk": objects["account"].pk, "year": 2026, "month": 3}


def rates_pk(objects: dict) -> dict:
    return {"pk": objects["rates"].pk}


def api_account(objects: dict) -> dict:
    return {"account_id": objects["account"].pk}


MARGINS = allowed("can_view_margins", "200", "403")
RATES = allowed("can_edit_cost_rates", "200", "403")
# root, leader, alice (owns "own"), bob (field rep), sam (customer service), anonymous
ROWS = [
    Row("profitability:overview", "none", "get", MARGINS),
    Row("profitability:ranking", "none", "get", MARGINS),
    Row("profitability:served", "none", "get", MARGINS, query="kind=under"),
    Row("profitability:served", "none", "get", MARGINS, query="kind=cadence-over"),
    Row("profitability:cockpit_panel", "none", "get", MARGINS),
    Row(
        "profitability:export",
        "none",
        "get",
        MARGINS,
        lambda objects: {"kind": "over", "fmt": "xlsx"},
    ),
    Row(
        "profitability:export",
        "none",
        "get",
        MARGINS,
        lambda objects: {"kind": "cadence-under", "fmt": "csv"},
    ),
    Row("profitability:account", "own", "get", MARGINS, account_pk),
    Row("profitability:account", "foreign", "get", "200 200 404 403 403 302", account_pk),
    Row("profitability:month", "own", "get", MARGINS, month_kwargs),
    Row("profitability:month", "foreign", "get", "200 200 404 403 403 302", month_kwargs),
    Row("profitability:rates", "none", "get", RATES),
    Row("profitability:rates_create", "none", "get", RATES),
    Row("profitability:rates_update", "own", "get", RATES, rates_pk),
    Row("profitability:rates_delete", "own", "get", RATES, rates_pk),
    Row("api:get_account_profitability", "own", "get", "200 200 200 403 403 401", api_account),
    Row("api:get_account_profitability", "foreign", "get", "200 200 404 403 403 401", api_account),
    Row("api:list_account_profitability", "none", "get", "200 200 200 403 403 401"),
]
