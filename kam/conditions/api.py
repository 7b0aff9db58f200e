"""JSON API of conditions: agreements, offers with their findings, and the resolved price of
(account, product, quantity); scoped like the pages (customer service 403, another manager's
objects 404), margins null without the margin permission, money as decimal strings."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from kam.conditions import selectors
from kam.conditions.models import Agreement, Offer, Product
from kam.conditions.resolution import explain, resolve_price
from kam.core import permissions
from kam.core.api_errors import MAX_ID, Pagination, responses
from kam.core.schema import Money

router = Router(tags=["conditions"])


def _require_conditions(request) -> None:
    if not permissions.can_view_conditions(request.user):
        raise HttpError(403, "Conditions are not visible to this user.")


class TierOut(Schema):
    from_quantity: Decimal
    net_price: Money | None
    percent: Decimal | None


class ConditionLineOut(Schema):
    id: int
    kind: str
    product_number: str | None
    product_group: str | None
    net_price: Money | None
    percent: Decimal | None
    tiers: list[TierOut]


class BonusTierOut(Schema):
    from_revenue: Money
    percent: Decimal


class AgreementOut(Schema):
    id: int
    account_id: int
    title: str
    applies_to_members: bool
    valid_from: date
    valid_to: date | None
    status: str
    payment_days: int | None
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    free_delivery: bool
    mfc_scope: str
    lines: list[ConditionLineOut]
    bonus_tiers: list[BonusTierOut]

    @staticmethod
    def resolve_lines(agreement: Agreement) -> list[dict]:
        return [
            {
                "id": line.pk,
                "kind": line.kind,
                "product_number": line.product.number if line.product else None,
                "product_group": line.product_group.name if line.product_group else None,
                "net_price": line.net_price,
                "percent": line.percent,
                "tiers": list(line.tiers.all()),
            }
            for line in agreement.lines.all()
        ]

    @staticmethod
    def resolve_bonus_tiers(agreement: Agreement) -> list:
        return list(agreement.bonus_tiers.all())


def _agreements(request):
    return selectors.agreements_visible_to(request.user).prefetch_related(
        "lines__product", "lines__product_group", "lines__tiers", "bonus_tiers"
    )


@router.get("/agreements", response=responses(list[AgreementOut], 403))
@paginate(Pagination)
def list_agreements(request, status: str = "", account: int | None = Query(None, ge=1, le=MAX_ID)):
    """Agreements of the visible accounts, newest validity first."""
    _require_conditions(request)
    agreements = _agreements(request).order_by("-valid_from", "-pk")
    if status:
        agreements = agreements.filter(status=status)
    if account:
        agreements = agreements.filter(account_id=account)
    return agreements


@router.get("/agreements/{agreement_id}", response=responses(AgreementOut, 403, 404))
def get_agreement(request, agreement_id: int = Path(..., ge=1, le=MAX_ID)):
    _require_conditions(request)
    return get_object_or_404(_agreements(request), pk=agreement_id)


class FindingOut(Schema):
    code: str
    position: int | None
    message: str
    severity: str


class OfferLineOut(Schema):
    position: int
    product_number: str
    quantity: Decimal
    list_price: Money
    price: Money
    total: Money
    margin: Money | None = None


class OfferOut(Schema):
    id: int
    number: str
    account_id: int
    title: str
    status: str
    valid_until: date
    checked_at: datetime | None
    lines: list[OfferLineOut]
    findings: list[FindingOut]


def _offer_out(offer: Offer, *, margins: bool) -> dict:
    return {
        "id": offer.pk,
        "number": offer.number,
        "account_id": offer.account_id,
        "title": offer.title,
        "status": offer.status,
        "valid_until": offer.valid_until,
        "checked_at": offer.checked_at,
        "lines": [
            {
                "position": line.position,
                "product_number": line.product.number,
                "quantity": line.quantity,
                "list_price": line.list_price,
                "price": line.price,
                "total": line.total,
                "margin": line.margin if margins else None,
            }
            for line in offer.lines.all()
        ],
        "findings": list(offer.findings.all()),
    }


def _offers(request):
    return selectors.offers_visible_to(request.user).prefetch_related("lines__product", "findings")


@router.get("/offers", response=responses(list[OfferOut], 403))
@paginate(Pagination)
def list_offers(request, status: str = "", account: int | None = Query(None, ge=1, le=MAX_ID)):
    """Offers of the visible accounts with their lines and the stored findings of the check."""
    _require_conditions(request)
    offers = _offers(request).order_by("-created_at", "-pk")
    if status:
        offers = offers.filter(status=status)
    if account:
        offers = offers.filter(account_id=account)
    margins = permissions.can_view_margins(request.user)
    return [_offer_out(offer, margins=margins) for offer in offers]


@router.get("/offers/{offer_id}", response=responses(OfferOut, 403, 404))
def get_offer(request, offer_id: int = Path(..., ge=1, le=MAX_ID)):
    _require_conditions(request)
    offer = get_object_or_404(_offers(request), pk=offer_id)
    return _offer_out(offer, margins=permissions.can_view_margins(request.user))


class CandidateOut(Schema):
    agreement_id: int
    agreement_title: str
    account_id: int
    account_distance: int
    product_rank: int
    price: Money


class ResolutionOut(Schema):
    account_id: int
    product_number: str
    quantity: Decimal
    list_price: Money
    price: Money
    winner: CandidateOut | None
    candidates: list[CandidateOut]
    explanation: list[str]


@router.get("/resolve/{account_id}", response=responses(ResolutionOut, 403, 404))
def resolve_price_api(
    request,
    account_id: int = Path(..., ge=1, le=MAX_ID),
    product: str = Query(..., min_length=1, max_length=60),
    quantity: Decimal = Query(1, gt=0, le=1_000_000_000),  # noqa: B008 (ninja parameter)
):
    """The applicable conditions from the most to the least specific, the winner and why."""
    _require_conditions(request)
    found = selectors.condition_accounts(request.user).filter(pk=account_id).first()
    item = Product.objects.select_related("group__parent__parent").filter(number=product).first()
    if found is None or item is None:
        raise Http404
    resolution = resolve_price(
        account=found, product=item, quantity=quantity, as_of=timezone.localdate()
    )
    return {
        "account_id": found.pk,
        "product_number": item.number,
        "quantity": quantity,
        "list_price": resolution.list_price,
        "price": resolution.price,
        "winner": resolution.winner,
        "candidates": resolution.ranked,
        "explanation": explain(resolution),
    }
