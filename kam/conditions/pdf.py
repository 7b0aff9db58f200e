"""The offer as a German PDF (fpdf2, pure Python): letterhead, address, lines, totals, validity
and terms. Text from users and imports is written as text, never interpreted (fpdf2 has no
markup unless asked for); characters outside Latin-1 (the core fonts' range) become "?"."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from fpdf import FPDF

from kam.conditions.models import Offer


def safe(text: object) -> str:
    """Latin-1 text without control characters, as the core fonts can write it."""
    value = "".join(ch for ch in str(text or "") if ch >= " " or ch in "\n")
    value = value.replace("€", "EUR").replace("„", '"').replace("“", '"').replace("–", "-")
    return value.encode("latin-1", "replace").decode("latin-1")


def german_amount(amount: Decimal) -> str:
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} EUR"


def german_quantity(quantity: Decimal) -> str:
    normalized = quantity.normalize()
    text = (
        f"{normalized:f}" if normalized == normalized.to_integral() else f"{quantity:f}".rstrip("0")
    )
    return text.replace(".", ",")


def _terms(offer: Offer) -> list[str]:
    from kam.conditions.models import AgreementStatus

    agreement = offer.account.agreements.filter(status=AgreementStatus.ACTIVE).first()
    terms = []
    if agreement is not None:
        if agreement.payment_days:
            terms.append(f"Zahlungsziel: {agreement.payment_days} Tage netto.")
        if agreement.cash_discount_percent and agreement.cash_discount_days:
            percent = f"{agreement.cash_discount_percent}".replace(".", ",")
            terms.append(
                f"Skonto: {percent} % bei Zahlung innerhalb von "
                f"{agreement.cash_discount_days} Tagen."
            )
        if agreement.free_delivery:
            terms.append("Lieferung frei Haus.")
    terms.append("Alle Preise verstehen sich netto zuzüglich der gesetzlichen Umsatzsteuer.")
    return terms


def offer_pdf(offer: Offer) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 8, safe(getattr(settings, "KAM_COMPANY_NAME", "kam")), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 10)
    account = offer.account
    address = [account.name, account.street, f"{account.postal_code} {account.city}".strip()]
    if offer.stakeholder is not None:
        address.insert(1, f"z. Hd. {offer.stakeholder}")
    pdf.ln(6)
    for row in address:
        if row:
            pdf.cell(0, 5, safe(row), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, safe(f"Angebot {offer.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, safe(offer.title), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        5,
        safe(f"Datum: {offer.created_at:%d.%m.%Y}   Kundennummer: {account.customer_number}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    _lines(pdf, offer)
    pdf.ln(4)
    pdf.cell(
        0,
        5,
        safe(f"Dieses Angebot ist gültig bis {offer.valid_until:%d.%m.%Y}."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for term in _terms(offer):
        pdf.multi_cell(0, 5, safe(term), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_WIDTHS = (10, 28, 62, 20, 30, 30)


def _lines(pdf: FPDF, offer: Offer) -> None:
    headings = ("Pos.", "Artikel", "Bezeichnung", "Menge", "Einzelpreis", "Gesamt")
    pdf.set_font("Helvetica", "B", 9)
    for width, heading in zip(_WIDTHS, headings, strict=True):
        pdf.cell(width, 6, heading, border="B", align="R" if width in (20, 30) else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    total = Decimal(0)
    for line in offer.lines.select_related("product"):
        total += line.total
        values = (
            str(line.position),
            line.product.number,
            line.product.name[:40],
            f"{german_quantity(line.quantity)} {line.product.unit}",
            german_amount(line.price),
            german_amount(line.total),
        )
        for width, value in zip(_WIDTHS, values, strict=True):
            pdf.cell(width, 6, safe(value), align="R" if width in (20, 30) else "L")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(sum(_WIDTHS[:-1]), 7, "Summe netto", border="T", align="R")
    pdf.cell(_WIDTHS[-1], 7, safe(german_amount(total)), border="T", align="R")
    pdf.ln()
