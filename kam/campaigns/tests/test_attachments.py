"""Per-recipient PDF attachments of mailings: the account's condition confirmation."""

import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from kam.campaigns import outbox
from kam.campaigns.models import Attachment, MailKind
from kam.campaigns.pdf import attachment_for
from kam.conditions.models import AgreementStatus, BonusTier
from kam.conditions.tests.factories import TODAY, agreement, line, product
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def person():
    account = AccountFactory(name="Bäckerei Kurz GmbH", customer_number="4711")
    in_force = agreement(account, payment_days=30, free_delivery=True, title="Rahmenvertrag 2026")
    line(
        in_force,
        product=product("A-1", name="Schraube M8"),
        price="1.25",
        tiers=[("1000", "1.10", None)],
    )
    line(in_force, kind="discount", percent="5")
    BonusTier.objects.create(
        agreement=in_force, from_revenue=Decimal("100000"), percent=Decimal("2")
    )
    agreement(account, title="Alter Vertrag", status=AgreementStatus.EXPIRED)
    return StakeholderFactory(account=account, first_name="Eva", last_name="Kurz")


@time_machine.travel(TODAY)
def test_the_condition_confirmation_lists_the_agreements_in_force(person):
    name, content, mimetype = attachment_for(Attachment.CONDITIONS, person)

    text = text_of(content)
    assert (name, mimetype) == ("konditionen-4711.pdf", "application/pdf")
    assert "Konditionsbestätigung" in text and "Eva Kurz" in text
    assert "Rahmenvertrag 2026" in text and "Alter Vertrag" not in text
    assert "A-1 Schraube M8: Nettopreis 1,25 EUR; ab 1000: Nettopreis 1,10 EUR" in text
    assert "alle Artikel: Rabatt 5 %" in text
    assert "Zahlungsziel 30 Tage" in text and "frei Haus" in text
    assert "Jahresbonus ab 100.000,00 EUR: 2 %" in text


@time_machine.travel(TODAY)
def test_a_mail_with_the_condition_confirmation_carries_the_pdf(person):
    outbox.mail_enqueue(
        kind=MailKind.TEST,
        to_email="eva@example.com",
        subject="Ihre Konditionen",
        body_text="Anbei",
        stakeholder=person,
        attachment=Attachment.CONDITIONS,
    )

    outbox.deliver(rate_per_second=0)

    [sent] = mail.outbox
    [(name, content, _mimetype)] = sent.attachments
    assert name == "konditionen-4711.pdf" and "Schraube M8" in text_of(content)
