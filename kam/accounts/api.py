from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema
from ninja.pagination import paginate

from kam.accounts import selectors
from kam.core.api_errors import MAX_ID, Pagination, responses

router = Router(tags=["accounts"])


class AccountOut(Schema):
    id: int
    customer_number: str
    name: str
    legal_form: str
    industry: str
    city: str
    country: str
    status: str
    tier: str
    parent_id: int | None
    owner_id: int | None


@router.get("/", response=responses(list[AccountOut]))
@paginate(Pagination)
def list_accounts(request, q: str = "", status: str = ""):
    filters = selectors.AccountFilter(q=q.strip()[:100], status=status)
    return selectors.account_list(user=request.user, filters=filters)


@router.get("/{account_id}", response=responses(AccountOut, 404))
def get_account(request, account_id: int = Path(..., ge=1, le=MAX_ID)):
    return get_object_or_404(selectors.accounts_visible_to(request.user), pk=account_id)
