"""Demo conditions for `kam demo`: the catalogue (one product of the sales lines left out, so the
"missing from the catalogue" list shows it), agreements of the bigger accounts and groups (one
with a most-favoured-customer clause, one waiting for approval), offers with their check, and
the invoiced-price check."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from kam.accounts.models import Account, KeyAccountStatus
from kam.conditions import invoiced, offers, services
from kam.conditions.models import (
    AgreementStatus,
    BonusTier,
    ConditionLine,
    MfcScope,
    Product,
)
from kam.conditions.products import group_for_path
from kam.sales.demo import PRODUCTS

GROUPS = {
    "Hydraulikzylinder": ("Fluidtechnik", "Hydraulik"),
    "Steuerventil": ("Fluidtechnik", "Hydraulik", "Ventile"),
    "Dichtungssatz": ("Fluidtechnik", "Zubehör"),
    "Pneumatikschlauch": ("Fluidtechnik", "Pneumatik"),
    "Kugellager 6204": ("Antriebstechnik", "Lager"),
    "Getriebemotor": ("Antriebstechnik", "Motoren"),
    "Förderband-Modul": ("Antriebstechnik", "Fördertechnik"),
    "Sensor induktiv": ("Automation", "Sensorik"),
    "Schaltschrank": ("Automation", "Schaltanlagen"),
    "Wartungsvertrag": ("Service",),
    "Ersatzteilpaket": ("Service",),
}


def _catalogue(rng: random.Random) -> list[Product]:
    products = []
    for number, name in PRODUCTS[:-1]:  # the last one stays missing from the catalogue
        price = Decimal(rng.randint(40, 380))
        products.append(
            Product.objects.create(
                number=number,
                name=name,
                group=group_for_path(GROUPS.get(name, ("Sonstiges",))),
                unit="Stk",
                list_price=price,
                standard_cost=(price * Decimal(rng.uniform(0.55, 0.8))).quantize(Decimal("0.01")),
            )
        )
    return products


def _agreement(account, user, rng, products, **fields):
    agreement = services.agreement_create(
        account=account,
        user=user,
        title=fields.pop("title", f"Rahmenvereinbarung {timezone.localdate().year}"),
        valid_from=fields.pop("valid_from", timezone.localdate().replace(month=1, day=1)),
        payment_days=30,
        **fields,
    )
    for product in rng.sample(products, k=3):
        services.condition_line_save(
            agreement=agreement,
            data=services.LineInput(
                kind="net_price",
                product=product,
                net_price=(product.list_price * Decimal("0.92")).quantize(Decimal("0.01")),
                tiers=[(Decimal(20), None, Decimal(12))],
            ),
            user=user,
        )
    ConditionLine.objects.create(
        agreement=agreement, product_group=products[0].group, kind="discount", percent=Decimal(5)
    )
    return agreement


def _activate(agreement, approver) -> None:
    agreement.approved_fingerprint = services.price_fingerprint(agreement)
    agreement.approver = approver
    agreement.save(update_fields=["approved_fingerprint", "approver"])
    services._move(agreement, user=approver, to_status=AgreementStatus.ACTIVE)


def populate(rng: random.Random, company) -> None:
    products = _catalogue(rng)
    users = company.users
    leader = users["leitung"]
    big = [a for a in company.accounts if a.status != KeyAccountStatus.NONE] or company.accounts
    groups = [a for a in Account.objects.filter(members__isnull=False).distinct()][:3]
    for index, account in enumerate((groups + big)[:8]):
        agreement = _agreement(
            account,
            account.owner or leader,
            rng,
            products,
            applies_to_members=account in groups,
            mfc_scope=MfcScope.GROUP if index == 1 else MfcScope.NONE,
        )
        BonusTier.objects.bulk_create(
            [
                BonusTier(agreement=agreement, from_revenue=Decimal(50_000), percent=Decimal(1)),
                BonusTier(agreement=agreement, from_revenue=Decimal(150_000), percent=Decimal(2)),
            ]
        )
        _activate(agreement, leader)
    waiting = big[-1] if big else company.accounts[0]
    request = _agreement(waiting, waiting.owner or leader, rng, products, title="Sonderpreise Q4")
    ConditionLine.objects.create(
        agreement=request, product=products[1], kind="discount", percent=Decimal(25)
    )
    if waiting.owner is not None:
        services.agreement_request(agreement=request, user=waiting.owner, comment="Wettbewerb")
    _offers(rng, big[:6], products, leader)
    today = timezone.localdate()
    invoiced.agreed_prices_refresh(today=today)
    invoiced.price_check_run()


def _offers(rng, accounts, products, leader) -> None:
    for account in accounts:
        user = account.owner or leader
        offer = offers.offer_create(
            account=account,
            user=user,
            title=rng.choice(["Jahresbedarf Ersatzteile", "Projekt Linie 3", "Nachkauf"]),
            valid_until=timezone.localdate() + datetime.timedelta(days=rng.randint(10, 60)),
        )
        for product in rng.sample(products, k=3):
            price = None if rng.random() < 0.6 else (product.list_price * Decimal("0.8"))
            offers.offer_line_save(
                offer=offer,
                user=user,
                product=product,
                quantity=Decimal(rng.randint(5, 50)),
                price=price.quantize(Decimal("0.01")) if price is not None else None,
            )
