"""JSON API of account profitability: an account's statement (12 months, DB I-IV per month, the
group's sum) and the ranking of the caller's accounts by DB IV with the over- and under-served
flags. Only with the margin permission (403 otherwise); accounts as on the pages (404 for one the
caller does not see). Money is a decimal string with two places (kam.core.schema.Money)."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from kam.accounts.selectors import accounts_visible_to
from kam.core.api_errors import MAX_ID, Pagination, responses
from kam.core.permissions import can_view_margins
from kam.core.schema import Money, money
from kam.profitability import selectors
from kam.sales import figures

router = Router(tags=["profitability"])


class StatementOut(Schema):
    revenue: Money
    db1: Money
    condition_cost: Money
    db2: Money
    care_cost: Money
    db3: Money
    service_cost: Money
    erp_cost: Money = Field(
        description="Of service_cost: the freight, packaging and special handling the ERP"
        " export brought with the lines (0 where it has none)."
    )
    db4: Money


class MonthStatementOut(StatementOut):
    month: date


class AccountStatementOut(Schema):
    account_id: int
    first_month: date
    last_month: date
    conditions_recorded: bool
    total: StatementOut
    group_total: StatementOut | None
    months: list[MonthStatementOut]


class AccountProfitOut(StatementOut):
    rank: int
    account_id: int
    name: str
    cumulative_db4: Money
    care_entitlement: Money
    over_served: bool
    under_served: bool
    a_account: bool = Field(description="Class A by revenue in the latest analysis.")
    rising: bool = Field(description="The latest forecast sees it rising into the top group.")


def _amounts(values: selectors.Figures) -> dict:
    return {name.removesuffix("_cents"): money(getattr(values, name)) for name in selectors.AMOUNTS}


def _require_margins(request) -> None:
    if not can_view_margins(request.user):
        raise HttpError(403, "Contribution figures need the margin permission.")


@router.get(
    "/accounts/{account_id}/profitability",
    response=responses(AccountStatementOut, 403, 404),
    summary="An account's contribution-margin statement (DB I-IV), last 12 complete months",
)
def get_account_profitability(request, account_id: int = Path(..., ge=1, le=MAX_ID)):
    _require_margins(request)
    account = get_object_or_404(accounts_visible_to(request.user), pk=account_id)
    statement = selectors.account_statement(account=account, as_of=timezone.localdate())
    return {
        "account_id": account.pk,
        "first_month": statement.window.first_month,
        "last_month": statement.window.last_month,
        "conditions_recorded": statement.conditions_recorded == "full",
        "total": _amounts(statement.total),
        "group_total": _amounts(statement.group_total) if statement.group_total else None,
        "months": [{"month": row.month, **_amounts(row.figures)} for row in statement.months],
    }


@router.get(
    "/profitability/accounts",
    response=responses(list[AccountProfitOut], 403),
    summary="The caller's accounts ranked by DB IV (the whale curve), last 12 complete months",
)
@paginate(Pagination)
def list_account_profitability(request):
    _require_margins(request)
    window = figures.window_as_of(timezone.localdate())
    ranking = selectors.profit_ranking(
        accounts=selectors.portfolio(user=request.user), window=window
    )
    return [
        {
            "rank": row.rank,
            "account_id": row.account.pk,
            "name": row.account.name,
            "cumulative_db4": money(row.cumulative_cents),
            "care_entitlement": money(row.entitlement_cents),
            "over_served": row.over_served,
            "under_served": row.under_served,
            "a_account": row.a_account,
            "rising": row.rising,
            **_amounts(row.figures),
        }
        for row in ranking
    ]
