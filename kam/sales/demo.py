"""Three years of demo sales, written as a German ERP export and loaded by the real importer."""

import datetime
import math
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from kam.accounts.models import KeyAccountStatus
from kam.core.money import german_amount
from kam.sales.figures import months_ending
from kam.sales.importer import import_sales

STATUS_WEIGHT = {
    KeyAccountStatus.STRATEGIC: 25.0,
    KeyAccountStatus.KEY_ACCOUNT: 8.0,
    KeyAccountStatus.CANDIDATE: 3.0,
    KeyAccountStatus.NONE: 1.0,
}
PRODUCTS = [
    (f"A-{1000 + i}", name)
    for i, name in enumerate(
        [
            "Hydraulikzylinder",
            "Kugellager 6204",
            "Steuerventil",
            "Dichtungssatz",
            "Getriebemotor",
            "Sensor induktiv",
            "Schaltschrank",
            "Förderband-Modul",
            "Pneumatikschlauch",
            "Wartungsvertrag",
            "Ersatzteilpaket",
            "Frequenzumrichter",
            "Linearführung",
            "Spannsatz",
            "Kupplung elastisch",
        ]
    )
]
HEADER = (
    "Kundennummer;Kundenname;Belegnummer;Pos.;Belegdatum;Artikelnummer;Artikelbezeichnung;"
    "Menge;Umsatz netto;Deckungsbeitrag;Vertreter;Fracht;Verpackung;Sonderhandling\n"
)
#: How often an invoice carries the ERP's freight, packaging and special handling (on its first
#: line, as ERPs book them), and the range of each amount in cents.
ERP_COSTS = ((0.4, 890, 4_900), (0.25, 150, 1_200), (0.04, 2_500, 12_000))


def _poisson(rng: random.Random, mean: float) -> int:
    """Invoices in a month: Poisson like orders arriving independently (Knuth; normal if big)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _profile(rng: random.Random, account, index: int) -> dict:
    """How an account buys: size (heavy-tailed), trend, when it stops, its margin level."""
    size = STATUS_WEIGHT[account.status] * rng.paretovariate(1.6)
    # The first account is the customer whose share of revenue is dangerously high.
    ticket = 4.0 if index == 0 else 1.0
    trend = rng.choice([-0.025, -0.01, 0.0, 0.0, 0.01, 0.02, 0.035])
    stops_at = rng.randint(14, 34) if rng.random() < 0.08 else None
    margin = rng.uniform(0.12, 0.38)
    if index == 0:  # it keeps buying, a little more each year: the dependency grows
        trend, stops_at = 0.01, None
    return {
        "size": size * (3 if index == 0 else 1),
        "ticket": ticket,
        "trend": trend,
        "stops_at": stops_at,
        "margin": margin,
    }


def _erp_costs(invoice_number: str) -> str:
    """The freight, packaging and special handling of an invoice's first line (empty where the
    ERP booked none). Drawn from the invoice's own number, so that the other demo figures stay
    those of the seed."""
    draw = random.Random(invoice_number)  # noqa: S311 - demo data, not security
    amounts = [
        german_amount(draw.randint(low, high)) if draw.random() < share else ""
        for share, low, high in ERP_COSTS
    ]
    return ";".join(amounts)


def _lines(rng: random.Random, account, profile: dict, months: list[datetime.date]):
    invoice_prefix = f"RE{account.customer_number}"
    for m, month in enumerate(months):
        if profile["stops_at"] is not None and m >= profile["stops_at"]:
            return
        season = 1 + 0.25 * math.sin(2 * math.pi * (month.month - 3) / 12)
        level = profile["size"] * season * math.exp(profile["trend"] * m)
        invoices = _poisson(rng, level * 0.6)
        for n in range(invoices):
            day = month.replace(day=rng.randint(1, 28))
            invoice = f"{invoice_prefix}-{m:02d}{n:02d}"
            for position in range(1, rng.randint(1, 4) + 1):
                number, name = rng.choice(PRODUCTS)
                quantity = rng.randint(1, 40)
                cents = int(quantity * rng.uniform(20, 400) * 100 * profile["ticket"])
                if rng.random() < 0.02:
                    cents = -cents // 3  # a credit note
                margin = int(cents * rng.gauss(profile["margin"], 0.05))
                erp = _erp_costs(invoice) if position == 1 else ";;"
                yield (
                    f"{account.customer_number};{account.name};{invoice};"
                    f"{position};{day:%d.%m.%Y};{number};{name};{quantity};{german_amount(cents)};"
                    f"{german_amount(margin)};{account.owner or ''};{erp}\n"
                )


def populate(rng: random.Random, company) -> None:
    today = timezone.localdate()
    months = months_ending(today, 37)  # three years and the running month
    ranked = sorted(company.accounts, key=lambda a: -STATUS_WEIGHT[a.status])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-umsatz.csv"
        with path.open("w", encoding="cp1252", errors="replace", newline="") as export:
            export.write(HEADER)
            for index, account in enumerate(ranked):
                export.writelines(_lines(rng, account, _profile(rng, account, index), months))
        import_sales(paths=[path], names=["demo-umsatz.csv"])
