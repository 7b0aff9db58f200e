"""Printable PDFs with fpdf2: the consent proof of one contact person.

Text goes into the PDF as plain text (never markup), so a name cannot change the document. A
Unicode font (DejaVu) is used where the system has it; otherwise the built-in Helvetica, whose
Latin-1 covers German, with other characters replaced.
"""

from collections.abc import Iterable
from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from kam.accounts.models import Stakeholder
from kam.campaigns.models import ConsentRecord

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists()
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
