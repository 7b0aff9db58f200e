"""Consent: double opt-in, append-only records, unsubscribe without login, the printable proof."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kam.campaigns import consent, outbox, tokens
from kam.campaigns.gate import Refusal, gate
from kam.campaigns.models import (
    CaptureMethod,
    Channel,
    ConsentRecord,
    ConsentStatus,
    LegalBasis,
    MailStatus,
    OutboxMail,
    Purpose,
)
from kam.campaigns.tests.factories import confirmed_consent, wording
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(alice):
    account = AccountFactory(owner=alice, name="Müller & Söhne GmbH")
    return StakeholderFactory(
        account=account, first_name="Jörg", last_name="Ähnlich", email="joerg@example.com"
    )


def ask(person, purpose=Purpose.NEWSLETTER):
    wording(purpose, "Ich möchte Neuigkeiten per E-Mail erhalten. Widerruf jederzeit.")
    return consent.consent_record(
        stakeholder=person,
        channel=Channel.EMAIL,
        purpose=purpose,
        legal_basis=LegalBasis.CONSENT,
        method=CaptureMethod.FORM,
        user=None,
    )


def doi_link_in(message) -> str:
    found = re.search(r"http://\S+/campaigns/confirm/\S+/", message.body)
    assert found is not None
    return found.group(0)


def test_email_consent_waits_for_the_double_opt_in_mail(person):
    pending = ask(person)

    assert pending.status == ConsentStatus.PENDING
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).reason == Refusal.DOI_UNCONFIRMED
    outbox.deliver(rate_per_second=0)
    assert [m.to for m in mail.outbox] == [["joerg@example.com"]]
    assert "/campaigns/confirm/" in mail.outbox[0].body


def test_the_confirmation_link_records_time_and_address_and_opens_the_gate(client, person):
    pending = ask(person)
    outbox.deliver(rate_per_second=0)
    path = doi_link_in(mail.outbox[0]).removeprefix("http://localhost:8000")

    shown = client.get(path)
    assert shown.status_code == 200
    assert ConsentRecord.objects.count() == 1  # a GET (a mail scanner) confirms nothing
    response = client.post(path, REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 200
    confirmation = ConsentRecord.objects.get(confirms=pending)
    assert (confirmation.status, confirmation.method) == (ConsentStatus.GRANTED, CaptureMethod.DOI)
    assert confirmation.ip_address == "198.51.100.4"
    assert confirmation.wording == pending.wording
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).allowed


def test_a_confirmation_link_works_once(client, person):
    pending = ask(person)
    path = reverse("campaigns:doi", kwargs={"token": tokens.doi_token(pending.pk)})
    client.post(path)

    again = client.post(path)

    assert again.status_code == 400
    assert ConsentRecord.objects.filter(status=ConsentStatus.GRANTED).count() == 1


def test_a_tampered_confirmation_link_is_refused(client, person):
    pending = ask(person)
    token = tokens.doi_token(pending.pk)
    forged = tokens.doi_token(pending.pk + 1)[:-3] + token[-3:]

    for bad in (forged, token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense"):
        response = client.post(reverse("campaigns:doi", kwargs={"token": bad}))
        assert response.status_code == 400
    assert not ConsentRecord.objects.filter(status=ConsentStatus.GRANTED).exists()


def test_an_expired_confirmation_link_is_refused(client, person):
    pending = ask(person)
    path = reverse("campaigns:doi", kwargs={"token": tokens.doi_token(pending.pk)})

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(path)

    assert response.status_code == 400
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).reason == Refusal.DOI_UNCONFIRMED


def test_an_unsubscribe_token_is_no_confirmation_token(client, person):
    pending = ask(person)
    token = tokens.unsubscribe_token(stakeholder_id=pending.pk, purpose=Purpose.NEWSLETTER)

    assert client.post(reverse("campaigns:doi", kwargs={"token": token})).status_code == 400


def test_records_are_append_only(person):
    record = confirmed_consent(person)

    record.note = "geändert"
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        ConsentRecord.objects.filter(pk=record.pk).update(note="x")
    with pytest.raises(TypeError):
        ConsentRecord.objects.all().delete()
    assert ConsentRecord.objects.get(pk=record.pk).note == ""


def test_the_admin_cannot_change_or_delete_records(root):
    request = RequestFactory().get("/")
    request.user = root
    admin = site._registry[ConsentRecord]
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
    assert not admin.has_add_permission(request)


def test_one_click_unsubscribe_withdraws_at_once_without_login(client, person):
    confirmed_consent(person)
    token = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=Purpose.NEWSLETTER)
    url = reverse("campaigns:unsubscribe", kwargs={"token": token})

    response = client.post(url, {"List-Unsubscribe": "One-Click"}, REMOTE_ADDR="192.0.2.1")

    assert response.status_code == 200
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).reason == Refusal.WITHDRAWN
    withdrawal = ConsentRecord.objects.latest("recorded_at", "id")
    assert (withdrawal.method, withdrawal.ip_address) == (CaptureMethod.UNSUBSCRIBE, "192.0.2.1")
    assert ConsentRecord.objects.count() == 3  # request, confirmation, withdrawal: the history


def test_unsubscribing_twice_records_one_withdrawal(client, person):
    confirmed_consent(person)
    token = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=Purpose.NEWSLETTER)
    url = reverse("campaigns:unsubscribe", kwargs={"token": token})

    client.post(url)
    client.post(url)

    assert ConsentRecord.objects.filter(status=ConsentStatus.WITHDRAWN).count() == 1


def test_unsubscribe_withdraws_only_that_purpose(client, person):
    confirmed_consent(person, Purpose.NEWSLETTER)
    confirmed_consent(person, Purpose.EVENTS)
    token = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=Purpose.EVENTS)

    client.post(reverse("campaigns:unsubscribe", kwargs={"token": token}))

    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).allowed
    assert not gate(stakeholder=person, purpose=Purpose.EVENTS).allowed


def test_the_unsubscribe_page_itself_withdraws_nothing(client, person):
    confirmed_consent(person)
    token = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=Purpose.NEWSLETTER)

    response = client.get(reverse("campaigns:unsubscribe", kwargs={"token": token}))

    assert response.status_code == 200
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).allowed


def test_forged_and_expired_unsubscribe_links_are_refused(client, person):
    confirmed_consent(person)
    other = StakeholderFactory(account=person.account, email="x@example.com")
    token = tokens.unsubscribe_token(stakeholder_id=other.pk, purpose=Purpose.NEWSLETTER)
    payload, signature = token.rsplit(":", 1)
    forged = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose="newsletter")
    forged = forged.rsplit(":", 1)[0] + ":" + signature
    bad_purpose = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose="everything")

    for bad in (forged, bad_purpose, "abc"):
        assert (
            client.post(reverse("campaigns:unsubscribe", kwargs={"token": bad})).status_code == 400
        )
    real = tokens.unsubscribe_token(stakeholder_id=person.pk, purpose=Purpose.NEWSLETTER)
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365 + 2)):
        expired = client.post(reverse("campaigns:unsubscribe", kwargs={"token": real}))
    assert expired.status_code == 400
    assert gate(stakeholder=person, purpose=Purpose.NEWSLETTER).allowed


def test_the_proof_pdf_holds_the_whole_history(client, alice, person):
    confirmed_consent(person, ip="203.0.113.7")
    consent.consent_withdraw(
        stakeholder=person,
        purpose=Purpose.NEWSLETTER,
        method=CaptureMethod.MANAGER,
        user=alice,
        note="am Telefon",
    )
    client.force_login(alice)

    response = client.get(reverse("campaigns:consent_pdf", kwargs={"pk": person.pk}))

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Jörg Ähnlich",
        "Müller & Söhne GmbH",
        "joerg@example.com",
        "203.0.113.7",
        "Ja, schreiben Sie mir.",
        "am Telefon",
        "Widerrufen",
        "Erteilt",
        "Bestätigungslink",
        "Einwilligungsnachweis",
    ):
        assert expected in text, expected


def test_names_are_text_in_the_proof_and_escaped_on_the_page(client, alice):
    evil = StakeholderFactory(
        account=AccountFactory(owner=alice),
        first_name="<b>Eve</b>",
        last_name="<script>x()</script>",
        email="eve@example.com",
    )
    confirmed_consent(evil)
    client.force_login(alice)

    page = client.get(reverse("campaigns:consent", kwargs={"pk": evil.pk}))
    proof = client.get(reverse("campaigns:consent_pdf", kwargs={"pk": evil.pk}))

    assert b"<script>x()" not in page.content
    assert b"&lt;script&gt;x()&lt;/script&gt;" in page.content
    text = PdfReader(io.BytesIO(proof.content)).pages[0].extract_text()
    assert "<b>Eve</b> <script>x()</script>" in text


def test_a_manager_records_consent_by_phone_with_a_note(client, alice, person):
    client.force_login(alice)
    url = reverse("campaigns:consent_add", kwargs={"pk": person.pk})
    data = {"channel": "phone", "purpose": "events", "legal_basis": "consent", "method": "manager"}

    refused = client.post(url, data)
    accepted = client.post(url, data | {"note": "Telefonat am 3.12., mündlich zugestimmt"})

    assert refused.status_code == 400
    assert "Geben Sie an, wie und wann" in refused.content.decode()
    assert accepted.status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.channel, record.status, record.recorded_by) == ("phone", "granted", alice)


def test_email_consent_without_a_published_wording_is_refused(client, alice, person):
    client.force_login(alice)
    data = {"channel": "email", "purpose": "surveys", "legal_basis": "consent", "method": "form"}

    response = client.post(reverse("campaigns:consent_add", kwargs={"pk": person.pk}), data)

    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()
    assert not OutboxMail.objects.exists()


def test_a_doi_mail_goes_through_the_outbox(person):
    ask(person)
    row = OutboxMail.objects.get()
    assert (row.kind, row.status) == ("doi", MailStatus.QUEUED)


def test_the_account_page_shows_consent_per_purpose_to_those_who_may_see_it(client, alice, bob):
    confirmed_consent(StakeholderFactory(account=AccountFactory(owner=alice), email="a@x.de"))
    account = ConsentRecord.objects.get(status=ConsentStatus.GRANTED).stakeholder.account
    url = reverse("accounts:detail", kwargs={"pk": account.pk})

    client.force_login(alice)
    shown = client.get(url).content.decode()
    client.force_login(bob)
    hidden = client.get(url).content.decode()

    assert "Einwilligungen und Mailings" in shown and "erlaubt" in shown
    assert "Einwilligungen und Mailings" not in hidden
