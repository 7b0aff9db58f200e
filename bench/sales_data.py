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
    path: Path,
    *,
    lines: int,
    accounts: int,
    seed: int = 1,
    start_year: int = 2023,
    days: int = 3 * 365,
    invoice_prefix: str = "RE",
) -> None:
    """`lines` invoice lines over `days` days (three years), sorted by date like an ERP export."""
    rng = np.random.default_rng(seed)
    size = rng.pareto(1.2, accounts) + 1  # heavy-tailed customer sizes
    customer = rng.choice(accounts, size=lines, p=size / size.sum())
    day_of_line = np.sort(rng.integers(0, days, size=lines))
    revenue = np.round(rng.lognormal(5.5, 1.2, size=lines) * 100).astype(np.int64)
    revenue[rng.random(lines) < 0.02] *= -1  # credit notes
    margin = (revenue * rng.uniform(0.1, 0.4, size=lines)).astype(np.int64)
    quantity = rng.integers(1, 50, size=lines)
    product = rng.integers(1, 5000, size=lines)
    start = datetime.date(start_year, 1, 1)
    dates = [(start + datetime.timedelta(days=int(d))).strftime("%d.%m.%Y") for d in range(days)]
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(HEADER)
        invoice, position = 0, 0
        for i in range(lines):
            if position == 0 or position >= 4 or customer[i] != customer[i - 1]:
                invoice, position = invoice + 1, 0
            position += 1
            c = int(customer[i])
            out.write(
                f"{100000 + c};Kunde {c} GmbH & Co. KG Müller;{invoice_prefix}{invoice:08d};"
                f"{position};{dates[day_of_line[i]]};A{product[i]:05d};"
                f"Artikel {product[i]} Größe M;{quantity[i]};"
                f"{german_amount(int(revenue[i]))};{german_amount(int(margin[i]))};"
                f"Vertreter {c % 40}\n"
            )


REALISTIC_HEADER = (
    "Kundennummer;Kundenname;Rechnungsnummer;Position;Rechnungsdatum;Artikelnummer;"
    "Artikelbezeichnung;Menge;Nettoumsatz;Deckungsbeitrag;Waehrung;Vertreter\n"
)

#: One bad row of each kind the importer rejects (the reason code it gets), as a function of a
#: good row's fields. ``unclosed_quote`` swallows the rest of a file, so it is the last line.
BAD_ROWS = {
    "missing_value": lambda f: {**f, "customer": ""},
    "field_count": lambda f: {**f, "rep": f["rep"] + ";Zusatz"},
    "number_not_numeric": lambda f: {**f, "revenue": "n/a"},
    "number_garbled": lambda f: {**f, "revenue": "1.23,45.6"},
    "number_too_large": lambda f: {**f, "revenue": "98.765.432.109.876.543,21"},
    "integer_invalid": lambda f: {**f, "position": "1a"},
    "date_impossible": lambda f: {**f, "date": "31.02.2024"},
    "date_unknown_format": lambda f: {**f, "date": "Mai 2024"},
    "date_implausible": lambda f: {**f, "date": "03.07.1987"},
    "date_out_of_range": lambda f: {**f, "date": "01.01.1850"},
    "control_character": lambda f: {**f, "product_name": "Artikel\x07 kaputt"},
    "currency_invalid": lambda f: {**f, "currency": "EURO1"},
    # The key of an earlier line with other values: rejected, the first one is kept.
    "duplicate_conflict": lambda f: {**f, "revenue": "1,11"},
}


def _line(f: dict) -> str:
    return (
        f"{f['customer']};{f['name']};{f['invoice']};{f['position']};{f['date']};"
        f"{f['product']};{f['product_name']};{f['quantity']};{f['revenue']};{f['margin']};"
        f"{f['currency']};{f['rep']}\n"
    )


def _customer_name(c: int) -> str:
    """Every 20th name has the delimiter inside quotes, every 50th quotes in quotes."""
    if c % 20 == 0:
        return f'"Kunde {c}; Niederlassung Süd GmbH"'
    if c % 50 == 1:
        return f'"Meier ""Technik"" {c} KG"'
    return f"Kunde {c} GmbH & Co. KG Müller"


def realistic_lines(
    *, lines: int, accounts: int, months: int, seed: int = 7, start_year: int = 2023
) -> list[tuple[int, dict]]:
    """``lines`` good invoice lines over ``months`` months: (month index, fields), in date
    order (invoices numbered by date, as an ERP numbers them)."""
    rng = np.random.default_rng(seed)
    size = rng.pareto(1.2, accounts) + 1
    customer = rng.choice(accounts, size=lines, p=size / size.sum())
    days = np.sort(rng.integers(0, months * 30.4, size=lines).astype(np.int64))
    revenue = np.round(rng.lognormal(5.5, 1.2, size=lines) * 100).astype(np.int64)
    revenue[rng.random(lines) < 0.02] *= -1
    margin = (revenue * rng.uniform(0.1, 0.4, size=lines)).astype(np.int64)
    quantity = rng.integers(1, 50, size=lines)
    product = rng.integers(1, 5000, size=lines)
    start = datetime.date(start_year, 1, 1)
    out = []
    invoice, position = 0, 0
    for i in range(lines):
        if position == 0 or position >= 4 or customer[i] != customer[i - 1]:
            invoice, position = invoice + 1, 0
        position += 1
        c = int(customer[i])
        day = start + datetime.timedelta(days=int(days[i]))
        month = (day.year - start_year) * 12 + day.month - 1
        out.append(
            (
                month,
                {
                    "customer": str(100000 + c),
                    "name": _customer_name(c),
                    "invoice": f"RE{invoice:08d}",
                    "position": str(position),
                    "date": day.strftime("%d.%m.%Y"),
                    "product": f"A{product[i]:05d}",
                    "product_name": f"Artikel {product[i]} Größe M",
                    "quantity": str(quantity[i]),
                    "revenue": german_amount(int(revenue[i])),
                    "margin": german_amount(int(margin[i])),
                    "currency": "EUR",
                    "rep": f"Vertreter {c % 40}",
                },
            )
        )
    return out


def write_realistic_exports(
    first: Path, second: Path, *, lines: int, accounts: int, seed: int = 7
) -> tuple[int, int]:
    """Two exports as an ERP writes them when asked for "everything per customer": sorted by
    customer (not by date), cp1252, quoted names with the delimiter inside; 1 % bad rows of
    every kind (BAD_ROWS), 0.2 % lines repeated within the file (half next to the first, half
    anywhere). ``first`` has ``lines`` lines over 36 months; ``second`` the months 35 to 40,
    overlapping the first by two months. Returns the number of data lines of each."""
    months = 36
    pool = realistic_lines(
        lines=int(lines * 40 / 36 / 1.003), accounts=accounts, months=40, seed=seed
    )
    rng = np.random.default_rng(seed + 1)
    counts = []
    for path, low, high in ((first, 0, months), (second, months - 2, 40)):
        rows = [fields for month, fields in pool if low <= month < high]
        rows.sort(key=lambda f: f["customer"])  # stable: by date within a customer
        counts.append(_write_with_faults(path, rows, rng))
    return counts[0], counts[1]


def _write_with_faults(path: Path, rows: list[dict], rng: np.random.Generator) -> int:
    n = len(rows)
    kinds = list(BAD_ROWS)
    bad_at = set(rng.choice(n, size=n // 100, replace=False).tolist())
    duplicate_at = set(rng.choice(n, size=n // 500, replace=False).tolist())
    later: dict[int, list[str]] = {}  # position → lines to write after it
    written = 0
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(REALISTIC_HEADER)
        for i, fields in enumerate(rows):
            if i in bad_at:
                kind = kinds[i % len(kinds)]
                if kind == "duplicate_conflict":
                    out.write(_line(fields))  # the good line, and later its conflict
                    written += 1
                    where = int(rng.integers(i, n))
                    later.setdefault(where, []).append(_line(BAD_ROWS[kind](fields)))
                else:
                    out.write(_line(BAD_ROWS[kind](fields)))
                    written += 1
            else:
                out.write(_line(fields))
                written += 1
            if i in duplicate_at:
                where = i if i % 2 else int(rng.integers(i, n))
                later.setdefault(where, []).append(_line(fields))
            for line in later.pop(i, []):
                out.write(line)
                written += 1
        out.write('100001;"Kunde ohne Ende;RE99999999;1;01.01.2024;A1;X;1;1,00;0,10;EUR;V\n')
    return written + 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    write_export(args.path, lines=args.lines, accounts=args.accounts)
