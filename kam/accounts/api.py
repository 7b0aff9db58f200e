from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from kam.accounts import selectors

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


@router.get("/", response=list[AccountOut])
@paginate(LimitOffsetPagination)
def list_accounts(request, q: str = "", status: str = ""):
    filters = selectors.AccountFilter(q=q.strip()[:100], status=status)
    return selectors.account_list(user=request.user, filters=filters)


@router.get("/{account_id}", response=AccountOut)
def get_account(request, account_id: int):
    return get_object_or_404(selectors.accounts_visible_to(request.user), pk=account_id)
