"""The conditions URLs in the permission matrix (see kam.testing.matrix).

Customer service never sees conditions (403 on lists, 404 on an object), field reps read
(403 on writes), and another manager's account is not found (404)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from kam.conditions import offers, services
from kam.conditions.models import Product
from kam.testing.matrix import Row, account_pk, allowed


def _product() -> Product:
    product, _ = Product.objects.get_or_create(
        number="MATRIX-1",
        defaults={
            "name": "Prüfartikel",
            "list_price": Decimal("10"),
            "standard_cost": Decimal("4"),
        },
    )
    return product


def objects(account, users) -> dict:
    alice = users["alice"]
    agreement = services.agreement_create(
        account=account, user=alice, title="Matrix", valid_from=datetime.date(2026, 1, 1)
    )
    line = services.condition_line_save(
        agreement=agreement,
        data=services.LineInput(kind="discount", product=_product(), percent=Decimal("5")),
        user=alice,
    )
    offer = offers.offer_create(
        account=account,
        user=alice,
        title="Matrix",
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    offer_line = offers.offer_line_save(
        offer=offer, user=alice, product=_product(), quantity=Decimal(1)
    )
    return {"agreement": agreement, "line": line, "offer": offer, "offer_line": offer_line}


def agreement_pk(objects: dict) -> dict:
    return {"pk": objects["agreement"].pk}


def line_kwargs(objects: dict) -> dict:
    return {"pk": objects["agreement"].pk, "line_pk": objects["line"].pk}


def offer_pk(objects: dict) -> dict:
    return {"pk": objects["offer"].pk}


def offer_line_kwargs(objects: dict) -> dict:
    return {"pk": objects["offer"].pk, "line_pk": objects["offer_line"].pk}


def api_agreement(objects: dict) -> dict:
    return {"agreement_id": objects["agreement"].pk}


def api_offer(objects: dict) -> dict:
    return {"offer_id": objects["offer"].pk}


VIEW = "200 200 200 200 403 302"
EDIT = "200 200 200 403 403 302"
OWN = "200 200 200 200 404 302"
FOREIGN = "200 200 404 404 404 302"
OWN_EDIT = "200 200 200 403 404 302"
OWN_POST = "302 302 302 403 404 302"
FOREIGN_POST = "302 302 404 404 404 302"
LINE = {"kind": "discount", "product_number": "MATRIX-1", "percent": "3"}
OFFER_LINE = {"product_number": "MATRIX-1", "quantity": "2"}
LEADS = allowed("can_manage_products", "200", "403")
ROWS = [
    Row("conditions:product_list", "none", "get", VIEW),
    Row("conditions:product_import", "none", "get", LEADS),
    Row("conditions:products_missing", "none", "get", LEADS),
    Row("conditions:agreement_list", "none", "get", VIEW),
    Row("conditions:agreement_create", "none", "get", EDIT),
    Row("conditions:agreement_detail", "own", "get", OWN, agreement_pk),
    Row("conditions:agreement_detail", "foreign", "get", FOREIGN, agreement_pk),
    Row("conditions:agreement_update", "own", "get", OWN_EDIT, agreement_pk),
    Row("conditions:agreement_update", "foreign", "get", FOREIGN, agreement_pk),
    Row("conditions:agreement_line_add", "own", "post", OWN_POST, agreement_pk, LINE),
    Row("conditions:agreement_line_add", "foreign", "post", FOREIGN_POST, agreement_pk, LINE),
    Row("conditions:agreement_line_delete", "own", "post", OWN_POST, line_kwargs),
    Row("conditions:agreement_line_delete", "foreign", "post", FOREIGN_POST, line_kwargs),
    Row(
        "conditions:agreement_bonus",
        "own",
        "post",
        OWN_POST,
        agreement_pk,
        {"bonus-tiers": "1000; 1"},
    ),
    Row("conditions:agreement_bonus", "foreign", "post", FOREIGN_POST, agreement_pk),
    Row(
        "conditions:agreement_transition",
        "own",
        "post",
        OWN_POST,
        agreement_pk,
        {"action": "request"},
    ),
    Row(
        "conditions:agreement_transition",
        "foreign",
        "post",
        FOREIGN_POST,
        agreement_pk,
        {"action": "request"},
    ),
    Row("conditions:resolve", "none", "get", VIEW),
    Row(
        "conditions:authority",
        "none",
        "get",
        allowed("can_manage_authority_policy", "200", "403"),
    ),
    Row("conditions:offer_list", "none", "get", VIEW),
    Row("conditions:offer_create", "none", "get", EDIT),
    Row("conditions:offer_detail", "own", "get", OWN, offer_pk),
    Row("conditions:offer_detail", "foreign", "get", FOREIGN, offer_pk),
    Row("conditions:offer_update", "own", "get", OWN_EDIT, offer_pk),
    Row("conditions:offer_update", "foreign", "get", FOREIGN, offer_pk),
    Row("conditions:offer_line_save", "own", "post", OWN_POST, offer_pk, OFFER_LINE),
    Row("conditions:offer_line_save", "foreign", "post", FOREIGN_POST, offer_pk, OFFER_LINE),
    Row("conditions:offer_line_delete", "own", "post", OWN_POST, offer_line_kwargs),
    Row("conditions:offer_line_delete", "foreign", "post", FOREIGN_POST, offer_line_kwargs),
    Row("conditions:offer_transition", "own", "post", OWN_POST, offer_pk, {"action": "send"}),
    Row(
        "conditions:offer_transition", "foreign", "post", FOREIGN_POST, offer_pk, {"action": "send"}
    ),
    Row("conditions:offer_to_agreement", "own", "post", OWN_POST, offer_pk),
    Row("conditions:offer_to_agreement", "foreign", "post", FOREIGN_POST, offer_pk),
    Row("conditions:offer_pdf", "own", "get", OWN, offer_pk),
    Row("conditions:offer_pdf", "foreign", "get", FOREIGN, offer_pk),
    Row("conditions:price_check", "none", "get", VIEW),
    Row(
        "conditions:price_check_export",
        "none",
        "get",
        VIEW,
        lambda objects: {"fmt": "csv"},
    ),
    Row(
        "conditions:price_check_export",
        "none",
        "get",
        VIEW,
        lambda objects: {"fmt": "xlsx"},
    ),
    Row("conditions:price_check_lines", "own", "get", VIEW, account_pk),
    Row("api:list_agreements", "none", "get", "200 200 200 200 403 401"),
    Row("api:get_agreement", "own", "get", "200 200 200 200 403 401", api_agreement),
    Row("api:get_agreement", "foreign", "get", "200 200 404 404 403 401", api_agreement),
    Row("api:list_offers", "none", "get", "200 200 200 200 403 401"),
    Row("api:get_offer", "own", "get", "200 200 200 200 403 401", api_offer),
    Row("api:get_offer", "foreign", "get", "200 200 404 404 403 401", api_offer),
    Row(
        "api:resolve_price_api",
        "own",
        "get",
        "200 200 200 200 403 401",
        lambda objects: {"account_id": objects["account"].pk},
        {},
        "product=MATRIX-1&quantity=3",
    ),
    Row(
        "api:resolve_price_api",
        "foreign",
        "get",
        "200 200 404 404 403 401",
        lambda objects: {"account_id": objects["account"].pk},
        {},
        "product=MATRIX-1&quantity=3",
    ),
    Row("conditions:price_check_lines", "foreign", "get", "200 200 404 404 403 302", account_pk),
]
