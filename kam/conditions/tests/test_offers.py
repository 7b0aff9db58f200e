"""Offers: numbering, proposed prices, the offer check (each code triggered and not), sending,
approval, the PDF and the agreement draft from a won offer."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from kam.conditions import offers
from kam.conditions.check import CODES, check_offer
from kam.conditions.models import AgreementStatus, MfcScope, OfferStatus
from kam.conditions.pdf import offer_pdf
from kam.conditions.tests import factories as f
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with (
        translation.override("de"),
        time_machine.travel(datetime.datetime(2026, 6, 15, 9, 0), tick=False),
    ):
        yield


@pytest.fixture
def group(alice):
    """Konzern (top) → Holding Süd → Werk Ulm, and Holding Nord → Werk Kiel: three levels."""
    top = AccountFactory(name="Konzern AG", owner=alice)
    south = AccountFactory(name="Holding Süd", parent=top, owner=alice)
    ulm = AccountFactory(name="Werk Ulm", parent=south, owner=alice)
    north = AccountFactory(name="Holding Nord", parent=top, owner=alice)
    kiel = AccountFactory(name="Werk Kiel", parent=north, owner=alice)
    return {"top": top, "south": south, "ulm": ulm, "north": north, "kiel": kiel}


@pytest.fixture
def cable(db):
    return f.product("A-1", price="100.00", cost="60.00", group=f.group_path("Elektro", "Kabel"))


def offer_for(account, user, *lines, valid_until=datetime.date(2026, 7, 15)):
    offer = offers.offer_create(account=account, user=user, title="Kabel", valid_until=valid_until)
    for product, price in lines:
        offers.offer_line_save(
            offer=offer, user=user, product=product, quantity=D(10), price=D(price)
        )
    return offer


def codes(offer, user) -> set[str]:
    return {finding.code for finding in check_offer(offer, user=user)}


def test_numbers_run_without_gaps_and_a_rolled_back_creation_gives_its_number_back(alice):
    account = AccountFactory(owner=alice)
    first = offer_for(account, alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        offer_for(account, alice)
        raise RuntimeError
    second = offer_for(account, alice)
    assert [first.number, second.number] == ["ANG-2026-00001", "ANG-2026-00002"]


def test_prices_are_proposed_from_the_resolved_conditions(group, cable, alice):
    f.line(f.agreement(group["south"], members=True), product=cable, price="88.00")
    offer = offers.offer_create(
        account=group["ulm"], user=alice, title="x", valid_until=datetime.date(2026, 7, 1)
    )
    line = offers.offer_line_save(offer=offer, user=alice, product=cable, quantity=D(5))
    assert line.price == D("88.00") and line.cost == D("60.00")
    assert "Holding Süd" in line.price_source


def test_below_agreement(group, cable, alice):
    f.line(f.agreement(group["ulm"]), product=cable, price="90.00")
    assert "below_agreement" in codes(offer_for(group["ulm"], alice, (cable, "95")), alice)
    assert "below_agreement" not in codes(offer_for(group["ulm"], alice, (cable, "90")), alice)


def test_above_authority(group, cable, alice):
    # alice (key account manager) may grant up to 10 % (the default policy)
    assert "above_authority" in codes(offer_for(group["ulm"], alice, (cable, "85")), alice)
    assert "above_authority" not in codes(offer_for(group["ulm"], alice, (cable, "92")), alice)


def test_margin_floor(group, cable, leader):
    # the company floor is 15 %; leadership's own authority has no limit
    low = codes(offer_for(group["ulm"], leader, (cable, "68")), leader)
    assert "margin_floor" in low and "above_authority" not in low
    assert "margin_floor" not in codes(offer_for(group["ulm"], leader, (cable, "75")), leader)


def test_group_conflict_across_three_levels(group, cable, leader):
    f.line(f.agreement(group["kiel"], title="Kiel 2026"), product=cable, price="80.00")
    findings = check_offer(offer_for(group["ulm"], leader, (cable, "90")), user=leader)
    conflict = next(finding for finding in findings if finding.code == "group_conflict")
    assert "Werk Kiel" in conflict.message and "80,00 €" in conflict.message
    assert conflict.severity == "blocks" and conflict.position == 1
    assert "group_conflict" not in codes(offer_for(group["ulm"], leader, (cable, "80")), leader)


def test_group_conflict_ignores_accounts_outside_the_group(group, cable, leader):
    f.line(f.agreement(AccountFactory(name="Fremd GmbH")), product=cable, price="50.00")
    assert "group_conflict" not in codes(offer_for(group["ulm"], leader, (cable, "90")), leader)


def test_mfc_conflict_in_the_group_scope_across_three_levels(group, cable, leader):
    clause = f.agreement(group["kiel"], title="Meistbegünstigung Kiel", mfc_scope=MfcScope.GROUP)
    f.line(clause, group=cable.group, kind="discount", percent="15")  # 85,00 € protected
    findings = check_offer(offer_for(group["ulm"], leader, (cable, "84")), user=leader)
    conflict = next(finding for finding in findings if finding.code == "mfc_conflict")
    assert "Werk Kiel" in conflict.message and "85,00 €" in conflict.message
    assert "Meistbegünstigung Kiel" in conflict.message
    assert "mfc_conflict" not in codes(offer_for(group["ulm"], leader, (cable, "85")), leader)


def test_mfc_conflict_by_industry_reaches_outside_the_group(group, cable, leader):
    outsider = AccountFactory(name="Branchenprimus", industry=group["ulm"].industry)
    f.line(f.agreement(outsider, mfc_scope=MfcScope.INDUSTRY), product=cable, price="82.00")
    assert "mfc_conflict" in codes(offer_for(group["ulm"], leader, (cable, "81")), leader)
    other = AccountFactory(name="Andere Branche", industry="Handel")
    f.line(f.agreement(other, mfc_scope=MfcScope.INDUSTRY), product=cable, price="50.00")
    assert "mfc_conflict" not in codes(offer_for(group["ulm"], leader, (cable, "82")), leader)


def test_expiring(group, cable, alice):
    f.line(
        f.agreement(group["ulm"], valid_to=datetime.date(2026, 6, 30)), product=cable, price="95"
    )
    late = offer_for(group["ulm"], alice, (cable, "95"), valid_until=datetime.date(2026, 7, 15))
    early = offer_for(group["ulm"], alice, (cable, "95"), valid_until=datetime.date(2026, 6, 20))
    assert "expiring" in codes(late, alice)
    assert "expiring" not in codes(early, alice)


def test_open_offer_conflict(group, cable, alice):
    other = offer_for(group["north"], alice, (cable, "97"))
    same = offer_for(group["ulm"], alice, (cable, "97"))
    assert "open_offer_conflict" not in codes(same, alice)
    same.delete()
    findings = check_offer(offer_for(group["ulm"], alice, (cable, "95")), user=alice)
    assert [(f.code, f.severity) for f in findings] == [("open_offer_conflict", "note")]
    assert other.number in findings[0].message and "97,00 €" in findings[0].message
    other.status = OfferStatus.LOST
    other.save()
    lone = offer_for(AccountFactory(owner=alice), alice, (cable, "95"))
    assert "open_offer_conflict" not in codes(lone, alice)


def test_every_finding_code_has_its_test_here():
    names = [name for name in globals() if name.startswith("test_")]
    assert all(any(name.startswith(f"test_{code}") for name in names) for code in CODES)


def test_findings_are_stored_with_the_offer_on_every_save(group, cable, alice):
    f.line(f.agreement(group["ulm"]), product=cable, price="90.00")
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    assert list(offer.findings.values_list("code", "position", "severity")) == [
        ("below_agreement", 1, "blocks")
    ]
    line = offer.lines.get()
    offers.offer_line_save(offer=offer, user=alice, product=cable, quantity=D(10), line=line)
    assert not offer.findings.exists()  # the proposed price is the agreed one


def test_blocking_findings_prevent_sending(group, cable, alice):
    f.line(f.agreement(group["ulm"]), product=cable, price="90.00")
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    with pytest.raises(ValidationError) as error:
        offers.offer_send(offer=offer, user=alice)
    assert "kann nicht versendet werden" in str(error.value)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT


def test_approval_findings_route_up_the_manager_chain_then_the_offer_is_sent(
    group, cable, alice, leader
):
    offer = offer_for(group["ulm"], alice, (cable, "85"))
    offers.offer_send(offer=offer, user=alice)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.IN_APPROVAL and offer.approver == leader
    offers.offer_approve(offer=offer, user=leader, comment="ok")
    offers.offer_send(offer=offer, user=alice)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT and offer.sent_at is not None


def test_a_sent_offer_is_mailed_to_its_contact_with_the_pdf_and_names_as_text(
    group, cable, alice, mailoutbox, django_capture_on_commit_callbacks
):
    group["ulm"].name = 'Werk <b>Ulm</b> & "Söhne"'
    group["ulm"].save()
    contact = StakeholderFactory(
        account=group["ulm"], first_name="Jürgen", last_name="<i>Maß</i>", email="j@example.com"
    )
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    offer.title, offer.stakeholder = "Kabel\nBcc: x@example.org", contact
    offer.save()
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_send(offer=offer, user=alice)

    [mail] = mailoutbox
    assert mail.to == ["j@example.com"]
    assert mail.subject == "Angebot ANG-2026-00001: Kabel Bcc: x@example.org"
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == ("ANG-2026-00001.pdf", "application/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Angebot ANG-2026-00001" in text and 'Werk <b>Ulm</b> & "Söhne"' in text
    assert "z. Hd. Jürgen <i>Maß</i>" in text and "95,00 EUR" in text
    [(html, _type)] = mail.alternatives
    assert "Jürgen &lt;i&gt;Maß&lt;/i&gt;" in html and "<i>" not in html
    assert "Sehr geehrte(r) Jürgen <i>Maß</i>," in mail.body  # plain text: as typed
    assert "j@example.com" in offer.events.get(to_status=OfferStatus.SENT).comment


def test_an_offer_without_a_contact_address_is_sent_without_a_mail(
    group, cable, alice, mailoutbox, django_capture_on_commit_callbacks
):
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_send(offer=offer, user=alice)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT and mailoutbox == []


def test_a_won_offer_becomes_an_agreement_draft(group, cable, alice):
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    offers.offer_send(offer=offer, user=alice)
    offers.offer_close(offer=offer, user=alice, won=True)
    agreement = offers.agreement_from_offer(offer=offer, user=alice)
    assert agreement.status == AgreementStatus.DRAFT and agreement.source_offer == offer
    line = agreement.lines.get()
    assert (line.product, line.kind, line.net_price) == (cable, "net_price", D("95.00"))


def test_a_lost_offer_needs_a_reason(group, cable, alice):
    offer = offer_for(group["ulm"], alice, (cable, "95"))
    offers.offer_send(offer=offer, user=alice)
    with pytest.raises(ValidationError):
        offers.offer_close(offer=offer, user=alice, won=False, reason=" ")
    offers.offer_close(
        offer=offer, user=alice, won=False, reason="Preis", competitor="Wettbewerb AG"
    )
    offer.refresh_from_db()
    assert (offer.status, offer.competitor) == (OfferStatus.LOST, "Wettbewerb AG")


def _checked_queries(offer, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        offers.store_findings(offer, user=user)
    return len(captured)


def test_the_check_of_a_long_offer_takes_a_fixed_number_of_queries(
    group, cable, alice, django_assert_max_num_queries
):
    """Resolution across the three-level group, most-favoured-customer clauses inside and
    outside the group, tiers and open offers: plain rows read once, no query per line."""
    products = [f.product(f"P-{n}", price="10.00", cost="5.00") for n in range(40)]
    f.line(f.agreement(group["top"], members=True), kind="discount", percent="2")
    f.line(f.agreement(group["kiel"], mfc_scope=MfcScope.GROUP), product=products[0], price="9.00")
    outsider = AccountFactory(industry=group["ulm"].industry or "Chemie")
    f.line(
        f.agreement(outsider, mfc_scope=MfcScope.ALL),
        kind="discount",
        percent="3",
        tiers=[("5", None, "4")],
    )
    offer_for(group["kiel"], alice, (products[1], "9.40"))
    short = offer_for(group["ulm"], alice, (cable, "95.00"))
    long = offer_for(group["ulm"], alice, *[(product, "9.50") for product in products])
    assert {"group_conflict", "mfc_conflict", "open_offer_conflict"} <= codes(long, alice)
    with django_assert_max_num_queries(11):  # 8 reads; delete, insert, update the findings
        offers.store_findings(long, user=alice)
    assert _checked_queries(long, alice) == _checked_queries(short, alice)


def test_the_pdf_is_german_and_shows_names_as_text(group, cable, alice):
    group["ulm"].name = 'Werk Ulm <script>alert("x")</script> & Söhne'
    group["ulm"].save()
    contact = StakeholderFactory(account=group["ulm"], first_name="Jürgen", last_name="Maß")
    offer = offer_for(group["ulm"], alice, (cable, "123.45"))
    offer.stakeholder = contact
    offer.save()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(offer_pdf(offer))).pages)
    assert "Angebot ANG-2026-00001" in text
    assert 'Werk Ulm <script>alert("x")</script> & Söhne' in text
    assert "z. Hd. Jürgen Maß" in text
    assert "1.234,50 EUR" in text  # 10 × 123,45
    assert "gültig bis 15.07.2026" in text
