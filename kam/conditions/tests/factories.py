"""Builders for condition tests: products, groups, active agreements with lines."""

import datetime
from decimal import Decimal

from kam.conditions import services
from kam.conditions.models import (
    Agreement,
    AgreementStatus,
    ConditionLine,
    ConditionTier,
    Product,
    ProductGroup,
)

TODAY = datetime.date(2026, 6, 15)


def group_path(*names: str) -> ProductGroup:
    parent = None
    for level, name in enumerate(names, start=1):
        parent, _ = ProductGroup.objects.get_or_create(
            parent=parent, name=name, defaults={"level": level}
        )
    assert parent is not None
    return parent


def product(number: str = "A-1", *, price="100.00", cost="60.00", group=None, **fields) -> Product:
    return Product.objects.create(
        number=number,
        name=fields.pop("name", f"Artikel {number}"),
        list_price=Decimal(price),
        standard_cost=Decimal(cost) if cost is not None else None,
        group=group,
        **fields,
    )


def agreement(
    account,
    *,
    status=AgreementStatus.ACTIVE,
    members=False,
    valid_from=datetime.date(2026, 1, 1),
    valid_to=None,
    title="Rahmenvertrag",
    **fields,
) -> Agreement:
    return Agreement.objects.create(
        account=account,
        title=title,
        applies_to_members=members,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
        **fields,
    )


def line(
    agreement, *, product=None, group=None, kind="net_price", price=None, percent=None, tiers=()
):
    created = ConditionLine.objects.create(
        agreement=agreement,
        product=product,
        product_group=group,
        kind=kind,
        net_price=Decimal(price) if price is not None else None,
        percent=Decimal(percent) if percent is not None else None,
    )
    for quantity, tier_price, tier_percent in tiers:
        ConditionTier.objects.create(
            line=created,
            from_quantity=Decimal(quantity),
            net_price=Decimal(tier_price) if tier_price is not None else None,
            percent=Decimal(tier_percent) if tier_percent is not None else None,
        )
    return created


def approved(agreement_obj) -> Agreement:
    """Marks an active test agreement as approved as it stands (its fingerprint stored)."""
    agreement_obj.approved_fingerprint = services.price_fingerprint(agreement_obj)
    agreement_obj.save(update_fields=["approved_fingerprint"])
    return agreement_obj
