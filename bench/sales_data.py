"""Writes a realistic German ERP export (cp1252, `;`, `1.234,56`, `31.12.2025`) for benchmarks."""

import argparse
import datetime
from pathlib import Path

import numpy as np

from kam.core.money import german_amount

HEADER = (
    "Kundennummer;Kundenname;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;"
    "Artikelbezeichnung;Menge;Nettoumsatz;Deckungsbeitrag;Vertreter\n"
)


def write_export(
    path: Path, *, lines: int, accounts: int, seed: int = 1, start_year: int = 2023
) -> None:
    """`lines` invoice lines over three years, sorted by date like an ERP export."""
    rng = np.random.default_rng(seed)
    size = rng.pareto(1.2, accounts) + 1  # heavy-tailed customer sizes
    customer = rng.choice(accounts, size=lines, p=size / size.sum())
    days = np.sort(rng.integers(0, 3 * 365, size=lines))
    revenue = np.round(rng.lognormal(5.5, 1.2, size=lines) * 100).astype(np.int64)
    revenue[rng.random(lines) < 0.02] *= -1  # credit notes
    margin = (revenue * rng.uniform(0.1, 0.4, size=lines)).astype(np.int64)
    quantity = rng.integers(1, 50, size=lines)
    product = rng.integers(1, 5000, size=lines)
    start = datetime.date(start_year, 1, 1)
    dates = [(start + datetime.timedelta(days=int(d))).strftime("%d.%m.%Y") for d in range(3 * 365)]
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(HEADER)
        invoice, position = 0, 0
        for i in range(lines):
            if position == 0 or position >= 4 or customer[i] != customer[i - 1]:
                invoice, position = invoice + 1, 0
            position += 1
            c = int(customer[i])
            out.write(
                f"{100000 + c};Kunde {c} GmbH & Co. KG Müller;RE{invoice:08d};{position};"
                f"{dates[days[i]]};A{product[i]:05d};Artikel {product[i]} Größe M;{quantity[i]};"
                f"{german_amount(int(revenue[i]))};{german_amount(int(margin[i]))};"
                f"Vertreter {c % 40}\n"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    write_export(args.path, lines=args.lines, accounts=args.accounts)
