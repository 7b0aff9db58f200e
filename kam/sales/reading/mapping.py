"""Which column of an export holds which canonical field, recognised from its heading.

Headings are compared after folding case, umlauts and punctuation away (``Kunden-Nr.`` and
``kundennr`` are the same). For each field the synonyms are listed best first: when two columns
match one field, the better synonym wins, then the leftmost column. A heading never matches two
fields. Headings with a unit (``Umsatz EUR``, ``Menge (Stk)``) match when no heading matches
exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .messages import FIELD_LABELS
from .model import CANONICAL_FIELDS, REQUIRED_FIELDS, FileRefused

SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_number": (
        "Kundennummer",
        "Kunden-Nr.",
        "Kundennr",
        "KdNr",
        "Kd.-Nr.",
        "Kunden Nummer",
        "Debitorennummer",
        "Debitoren-Nr.",
        "Debitor",
        "Debitor-Nr.",
        "Auftraggeber",
        "Customer Number",
        "Customer No.",
        "Customer No",
        "Customer #",
        "Customer ID",
        "Customer Code",
        "Cust No",
        "Account Number",
        "Account No",
    ),
    "customer_name": (
        "Kundenname",
        "Kunde",
        "Name 1",
        "Name",
        "Kundenbezeichnung",
        "Firma",
        "Firmenname",
        "Debitorenname",
        "Name Auftraggeber",
        "Name des Auftraggebers",
        "Customer Name",
        "Customer",
        "Company",
        "Company Name",
        "Account Name",
    ),
    "invoice_number": (
        "Rechnungsnummer",
        "Rechnungs-Nr.",
        "Rechnungsnr",
        "Re.-Nr.",
        "ReNr",
        "Rechnung",
        "Belegnummer",
        "Beleg-Nr.",
        "Belegnr",
        "Beleg",
        "Faktura",
        "Fakturanummer",
        "Faktura-Nr.",
        "Fakturabeleg",
        "Invoice Number",
        "Invoice No.",
        "Invoice No",
        "Invoice #",
        "Invoice ID",
        "Invoice",
        "Document Number",
        "Document No.",
    ),
    "line_number": (
        "Position",
        "Pos.",
        "Positionsnummer",
        "Pos.-Nr.",
        "PosNr",
        "Rechnungsposition",
        "Belegposition",
        "Zeile",
        "Line",
        "Line No.",
        "Line Number",
        "Item",
        "Line Item",
    ),
    "invoice_date": (
        "Rechnungsdatum",
        "Belegdatum",
        "Fakturadatum",
        "Datum",
        "Buchungsdatum",
        "Invoice Date",
        "Document Date",
        "Billing Date",
        "Posting Date",
        "Date",
    ),
    "product_number": (
        "Artikelnummer",
        "Artikel-Nr.",
        "Artikelnr",
        "ArtNr",
        "Art.-Nr.",
        "Material",
        "Materialnummer",
        "Material-Nr.",
        "Produktnummer",
        "Produkt-Nr.",
        "Product Number",
        "Product No.",
        "Product Code",
        "Product ID",
        "SKU",
        "Item Number",
        "Item No.",
        "Item Code",
        "Article Number",
        "Part Number",
    ),
    "product_name": (
        "Artikelbezeichnung",
        "Bezeichnung",
        "Artikelname",
        "Artikeltext",
        "Materialkurztext",
        "Materialbezeichnung",
        "Produktbezeichnung",
        "Produktname",
        "Beschreibung",
        "Product Name",
        "Product Description",
        "Description",
        "Item Description",
        "Product",
    ),
    "quantity": (
        "Menge",
        "Anzahl",
        "Stückzahl",
        "Fakturierte Menge",
        "Quantity",
        "Qty",
        "Units",
    ),
    "net_revenue": (
        "Nettoumsatz",
        "Umsatz netto",
        "Netto-Umsatz",
        "Nettobetrag",
        "Nettowert",
        "Betrag netto",
        "Netto",
        "Umsatz",
        "Net Revenue",
        "Net Amount",
        "Net Sales",
        "Net Value",
        "Revenue",
        "Sales",
    ),
    "contribution_margin": (
        "Deckungsbeitrag",
        "Deckungsbeitrag I",
        "DB",
        "DB I",
        "DB 1",
        "Rohertrag",
        "Rohgewinn",
        "Marge",
        "Contribution Margin",
        "Margin",
        "Gross Profit",
        "Gross Margin",
    ),
    "cost": (
        "Wareneinsatz",
        "Einstandswert",
        "Kosten",
        "Selbstkosten",
        "Herstellkosten",
        "Einkaufswert",
        "Cost",
        "Costs",
        "COGS",
        "Cost of Goods Sold",
        "Cost of Sales",
    ),
    "currency": (
        "Währung",
        "Währungsschlüssel",
        "Whrg",
        "Währg.",
        "Currency",
        "Currency Code",
        "Curr",
    ),
    "sales_rep": (
        "Vertreter",
        "Verkäufer",
        "Außendienst",
        "Außendienstmitarbeiter",
        "ADM",
        "Vertriebsmitarbeiter",
        "Sales Rep",
        "Sales Representative",
        "Salesperson",
        "Sales Person",
        "Rep",
        "Account Manager",
    ),
    "freight": (
        "Frachtkosten",
        "Fracht",
        "Frachtbetrag",
        "Versandkosten",
        "Transportkosten",
        "Lieferkosten",
        "Freight",
        "Freight Cost",
        "Freight Costs",
        "Freight Charges",
        "Shipping Cost",
        "Shipping Costs",
        "Shipping",
        "Delivery Cost",
    ),
    "packaging": (
        "Verpackungskosten",
        "Verpackung",
        "Verpackungsbetrag",
        "Packaging",
        "Packaging Cost",
        "Packaging Costs",
        "Packing Cost",
        "Packing",
    ),
    "handling": (
        "Sonderhandling",
        "Handlingkosten",
        "Handlingskosten",
        "Handlinggebühr",
        "Sonderbehandlung",
        "Handling",
        "Special Handling",
        "Handling Cost",
        "Handling Costs",
        "Handling Fee",
        "Handling Charges",
    ),
}

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "#": " no ", "€": " eur "})
_WORDS = re.compile(r"[a-z0-9]+")
# Words that name a unit rather than the content, dropped in the second matching round.
_UNIT_WORDS = frozenset({"eur", "euro", "in", "stk", "stck", "stueck", "pcs", "chf", "usd"})


def normalize_heading(heading: str) -> str:
    """``Kunden-Nr.`` → ``kundennr``; ``Währung`` → ``waehrung``."""
    return "".join(_WORDS.findall(heading.casefold().translate(_FOLD)))


def _without_units(heading: str) -> str:
    words = _WORDS.findall(heading.casefold().translate(_FOLD))
    return "".join(word for word in words if word not in _UNIT_WORDS)


_RANKS: dict[str, tuple[str, int]] = {
    normalize_heading(synonym): (field, rank)
    for field, synonyms in SYNONYMS.items()
    for rank, synonym in enumerate(synonyms)
}


def detect_mapping(headings: Sequence[str]) -> dict[str, str]:
    """Canonical field → heading for every field recognised among the headings."""
    best: dict[str, tuple[int, int, str]] = {}
    for normalize in (normalize_heading, _without_units):
        for position, heading in enumerate(headings):
            match = _RANKS.get(normalize(heading))
            if match is None or heading in {chosen for *_, chosen in best.values()}:
                continue
            field, rank = match
            if field not in best or (rank, position) < best[field][:2]:
                best[field] = (rank, position, heading)
    return {field: best[field][2] for field in CANONICAL_FIELDS if field in best}


def unique_headings(raw: Sequence[str]) -> list[str]:
    """Headings that name one column each: blanks become ``Spalte 3``, repeats ``Datum (2)``."""
    headings: list[str] = []
    seen: set[str] = set()
    for position, heading in enumerate(raw, start=1):
        base = heading.strip() or f"Spalte {position}"
        candidate, copy = base, 1
        while candidate in seen:
            copy += 1
            candidate = f"{base} ({copy})"
        seen.add(candidate)
        headings.append(candidate)
    return headings


def resolve_mapping(
    headings: Sequence[str], overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """The detected mapping with the clerk's overrides applied; refuses unusable mappings.

    An override maps a canonical field to an exact heading; an empty heading removes a field
    that was detected wrongly. A heading given to one field is taken away from any other.
    """
    mapping = detect_mapping(headings)
    for field, heading in (overrides or {}).items():
        _check_override(field, heading, headings)
        mapping = {other: chosen for other, chosen in mapping.items() if chosen != heading}
        mapping.pop(field, None)
        if heading:
            mapping[field] = heading
    for field in REQUIRED_FIELDS:
        if field not in mapping:
            raise FileRefused(
                "required_column_missing",
                field=FIELD_LABELS[field],
                headings=_quoted(headings),
            )
    return {field: mapping[field] for field in CANONICAL_FIELDS if field in mapping}


def _check_override(field: str, heading: str, headings: Sequence[str]) -> None:
    if field not in CANONICAL_FIELDS:
        raise FileRefused("override_unknown_field", field=field, fields=", ".join(CANONICAL_FIELDS))
    if heading and heading not in headings:
        raise FileRefused(
            "override_unknown_heading",
            field=FIELD_LABELS[field],
            heading=heading,
            headings=_quoted(headings),
        )


def _quoted(headings: Sequence[str]) -> str:
    return ", ".join(f"„{heading}“" for heading in headings) or "keine"
