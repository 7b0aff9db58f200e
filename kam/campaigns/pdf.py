"""Printable PDFs with fpdf2: the consent proof of one contact person, the Art. 15 export, and
the per-recipient attachments of mailings (master data and condition confirmation).

Text goes into the PDF as plain text (never markup), so a name cannot change the document. A
Unicode font (DejaVu) is used where the system has it; otherwise the built-in Helvetica, whose
Latin-1 covers German, with other characters replaced.
"""

from collections.abc import Iterable
from pathlib import Path

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from kam.accounts.models import Stakeholder
from kam.campaigns.models import ConsentRecord
from kam.conditions.models import Agreement, AgreementStatus, LineKind
from kam.conditions.pdf import german_amount, german_quantity

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Document(FPDF):
    def __init__(self, *, unicode: bool = True) -> None:
        super().__init__(format="A4")
        self.unicode = unicode and (FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("kam", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("kam", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "kam" if self.unicode else "helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def text_of(self, value: object) -> str:
        text = str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def line(self, value: object, *, bold: bool = False, size: int = 10) -> None:  # type: ignore[override]
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.55, self.text_of(value), new_x="LMARGIN", new_y="NEXT")

    def short_line(self, value: object, *, size: int = 10) -> None:
        """One line that needs no wrapping (cheaper than `line`: no line breaking)."""
        self.set_font(self.family, "", size)
        self.cell(0, size * 0.55, self.text_of(value)[:120], new_x="LMARGIN", new_y="NEXT")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _record_lines(record: ConsentRecord) -> list[str]:
    lines = [
        f"{_when(record.recorded_at)} · {record.get_channel_display()} · "
        f"{record.get_purpose_display()}",
        f"{_('Status')}: {record.get_status_display()} · {_('Legal basis')}: "
        f"{record.get_legal_basis_display()} · {_('How')}: {record.get_method_display()}",
    ]
    if record.email:
        lines.append(f"{_('E-mail address')}: {record.email}")
    if record.ip_address:
        lines.append(f"{_('IP address')}: {record.ip_address}")
    if record.recorded_by_id:
        lines.append(f"{_('Recorded by')}: {record.recorded_by}")
    if wording := record.wording:
        lines.append(f"{_('Wording shown')} (v{wording.version}): {wording.text}")
    if record.note:
        lines.append(f"{_('Note')}: {record.note}")
    return lines


def consent_proof_pdf(stakeholder: Stakeholder, records: Iterable[ConsentRecord]) -> bytes:
    pdf = _Document()
    pdf.line(_("Proof of consent"), bold=True, size=16)
    pdf.line(f"{stakeholder} · {stakeholder.account.name} ({stakeholder.account.customer_number})")
    pdf.line(_("Printed on %(when)s") % {"when": _when(timezone.now())}, size=8)
    pdf.ln(4)
    entries = list(records)
    if not entries:
        pdf.line(_("No consent has been recorded for this contact person."))
    for record in entries:
        pdf.line(_record_lines(record)[0], bold=True)
        for text in _record_lines(record)[1:]:
            pdf.line(text, size=9)
        pdf.ln(2)
    return bytes(pdf.output())


def _flatten(prefix: str, value, lines: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, lines)
    elif isinstance(value, list):
        for number, inner in enumerate(value, start=1):
            _flatten(f"{prefix}[{number}]", inner, lines)
    elif value not in (None, ""):
        lines.append(f"{prefix}: {value}")


def data_export_pdf(stakeholder: Stakeholder, export: dict) -> bytes:
    """Art. 15 as a printable document: every value of the export, one line each."""
    pdf = _Document()
    pdf.line(_("Information about stored personal data (Art. 15 GDPR)"), bold=True, size=14)
    pdf.line(f"{stakeholder} · {stakeholder.account.name}")
    pdf.ln(3)
    for section in ("stakeholder", "history", "related"):
        pdf.line(section, bold=True, size=11)
        lines: list[str] = []
        _flatten("", export.get(section), lines)
        for text in lines or ["–"]:
            pdf.line(text, size=8)
        pdf.ln(2)
    return bytes(pdf.output())


def master_data_pdf(stakeholder: Stakeholder) -> bytes:
    """The account's master data as kam holds it, for the customer to confirm or correct."""
    account = stakeholder.account
    pdf = _Document(unicode=False)  # the built-in font: no font file to embed in every mail
    pdf.line(_("Master data confirmation"), bold=True, size=14)
    pdf.short_line(_("For %(name)s") % {"name": stakeholder}, size=9)
    pdf.ln(3)
    for label, value in (
        (_("Customer number"), account.customer_number),
        (_("Name"), account.name),
        (_("Street"), account.street),
        (_("Postal code and city"), f"{account.postal_code} {account.city}".strip()),
        (_("Country"), account.country),
        (_("Key account manager"), account.owner.get_full_name() if account.owner else ""),
    ):
        pdf.short_line(f"{label}: {value or '–'}")
    pdf.ln(3)
    pdf.short_line(_("Please tell us if anything has changed."), size=9)
    return bytes(pdf.output())


def _percent(value) -> str:
    return f"{german_quantity(value)} %"


def _agreement_terms(agreement) -> list[str]:
    terms = []
    if agreement.payment_days:
        terms.append(_("Payment within %(days)s days") % {"days": agreement.payment_days})
    if agreement.cash_discount_percent and agreement.cash_discount_days:
        terms.append(
            _("%(percent)s cash discount within %(days)s days")
            % {
                "percent": _percent(agreement.cash_discount_percent),
                "days": agreement.cash_discount_days,
            }
        )
    if agreement.free_delivery:
        terms.append(_("free delivery"))
    return terms


def _line_value(kind: str, net_price, percent) -> str:
    if kind == LineKind.NET_PRICE and net_price is not None:
        return _("net price %(amount)s") % {"amount": german_amount(net_price)}
    if percent is not None:
        label = _("discount") if kind == LineKind.DISCOUNT else _("surcharge")
        return f"{label} {_percent(percent)}"
    return ""


def _line_text(line) -> str:
    if line.product_id:
        target = f"{line.product.number} {line.product.name}"
    elif line.product_group_id:
        target = line.product_group.name
    else:
        target = _("all products")
    text = f"{target}: {_line_value(line.kind, line.net_price, line.percent)}"
    for tier in line.tiers.all():
        value = _line_value(line.kind, tier.net_price, tier.percent)
        quantity = german_quantity(tier.from_quantity)
        text += "; " + _("from %(quantity)s: %(value)s") % {"quantity": quantity, "value": value}
    return text


def _agreement_lines(agreement) -> list[str]:
    until = agreement.valid_to.strftime("%d.%m.%Y") if agreement.valid_to else _("open-ended")
    lines = [f"{agreement.title} ({agreement.valid_from:%d.%m.%Y} - {until})"]
    if terms := _agreement_terms(agreement):
        lines.append(", ".join(terms))
    lines += [_line_text(line) for line in agreement.lines.all()]
    lines += [
        _("Annual bonus from %(revenue)s: %(percent)s")
        % {"revenue": german_amount(tier.from_revenue), "percent": _percent(tier.percent)}
        for tier in agreement.bonus_tiers.all()
    ]
    return lines


def active_agreements(account, *, on=None):
    """The account's own agreements in force on `on` (today), with their lines and tiers."""
    on = on or timezone.localdate()
    return (
        Agreement.objects.filter(account=account, status=AgreementStatus.ACTIVE, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .prefetch_related("lines__product", "lines__product_group", "lines__tiers", "bonus_tiers")
        .order_by("valid_from", "pk")
    )


def condition_confirmation_pdf(stakeholder: Stakeholder) -> bytes:
    """The account's conditions in force today, for the customer to confirm."""
    account = stakeholder.account
    pdf = _Document(unicode=False)  # the built-in font: no font file to embed in every mail
    pdf.line(_("Condition confirmation"), bold=True, size=14)
    pdf.short_line(f"{account.name} ({account.customer_number})", size=9)
    pdf.short_line(_("For %(name)s") % {"name": stakeholder}, size=9)
    pdf.short_line(_("As of %(date)s") % {"date": f"{timezone.localdate():%d.%m.%Y}"}, size=9)
    pdf.ln(3)
    agreements = list(active_agreements(account))
    if not agreements:
        pdf.line(_("No special conditions are in force for your account."))
    for agreement in agreements:
        first, *rest = _agreement_lines(agreement)
        pdf.line(first, bold=True)
        for text in rest:
            pdf.line(text, size=9)
        pdf.ln(2)
    pdf.short_line(_("Please tell us if anything differs from what you agreed."), size=9)
    return bytes(pdf.output())


ATTACHMENTS = {
    "master_data": ("stammdaten", master_data_pdf),
    "conditions": ("konditionen", condition_confirmation_pdf),
}


def attachment_for(kind: str, stakeholder: Stakeholder) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of a per-recipient attachment."""
    if kind not in ATTACHMENTS:
        raise ValueError(f"unknown attachment {kind!r}")
    stem, make = ATTACHMENTS[kind]
    name = f"{stem}-{stakeholder.account.customer_number}.pdf"
    return name, make(stakeholder), "application/pdf"
