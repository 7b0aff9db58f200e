"""Segments resolved per user, mailings through the gate into the outbox, recurrence."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kam.accounts.models import BuyingRole, KeyAccountStatus
from kam.activities.models import Activity
from kam.campaigns import consent, mailings, outbox
from kam.campaigns.gate import gate
from kam.campaigns.models import (
    CaptureMethod,
    Channel,
    LegalBasis,
    MailingStatus,
    MailStatus,
    OutboxMail,
    Purpose,
)
from kam.campaigns.segments import segment_preview, segment_stakeholders
from kam.campaigns.tests.factories import confirmed_consent, mailing, segment, wording
from kam.testing.factories import AccountFactory, StakeholderFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db


def test_a_segment_reaches_only_the_accounts_its_user_sees(alice, carol, leader):
    mine = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    theirs = AccountFactory(owner=carol, status=KeyAccountStatus.KEY_ACCOUNT)
    a = StakeholderFactory(account=mine, email="a@example.com")
    c = StakeholderFactory(account=theirs, email="c@example.com")
    shared = segment(leader, status=[KeyAccountStatus.KEY_ACCOUNT])

    assert list(segment_stakeholders(segment=shared, user=alice)) == [a]
    assert list(segment_stakeholders(segment=shared, user=carol)) == [c]
    assert set(segment_stakeholders(segment=shared, user=leader)) == {a, c}


def test_segment_filters_combine(alice):
    hit = AccountFactory(owner=alice, industry="Chemie", postal_code="80331", tier="Gold")
    miss = AccountFactory(owner=alice, industry="Chemie", postal_code="20095", tier="Gold")
    buyer = StakeholderFactory(account=hit, buying_role=BuyingRole.DECISION_MAKER)
    StakeholderFactory(account=hit, buying_role=BuyingRole.USER)
    StakeholderFactory(account=miss, buying_role=BuyingRole.DECISION_MAKER)

    seg = segment(
        alice, industry=["Chemie"], region=["8"], tier=["Gold"], buying_role=["decision_maker"]
    )

    assert list(segment_stakeholders(segment=seg, user=alice)) == [buyer]


def test_unknown_filter_values_are_dropped(alice):
    seg = segment(alice, status=["nonsense", "key_account"], evil="1", group="x")
    assert seg.filters == {"status": ["key_account"]}


def test_the_preview_shows_who_the_gate_excludes_and_why(alice):
    account = AccountFactory(owner=alice)
    ok = StakeholderFactory(account=account, email="ok@example.com")
    StakeholderFactory(account=account, email="")
    StakeholderFactory(account=account, email="nobody@example.com")
    confirmed_consent(ok)

    preview = segment_preview(segment=segment(alice), user=alice, purpose=Purpose.NEWSLETTER)

    assert preview.allowed == [ok]
    assert dict(preview.reasons) == {"Keine E-Mail-Adresse": 1, "Keine Einwilligung": 1}


def world(alice):
    account = AccountFactory(owner=alice, name="Bäckerei <Kraus>")
    yes = StakeholderFactory(
        account=account, first_name="Eva", last_name="<b>Ja</b>", email="ja@example.com"
    )
    no = StakeholderFactory(account=account, email="nein@example.com")
    confirmed_consent(yes)
    flush_doi_mails()
    return account, yes, no


def flush_doi_mails() -> None:
    outbox.deliver(rate_per_second=0)
    mail.outbox.clear()


def test_queueing_puts_one_row_per_recipient_and_refuses_the_others(alice):
    _account, yes, no = world(alice)
    m = mailing(alice, segment(alice))

    queued = mailings.mailing_queue(mailing=m, occurrence="once")
    again = mailings.mailing_queue(mailing=m, occurrence="once")

    assert (queued, again) == (1, 1)
    rows = {row.stakeholder_id: row for row in OutboxMail.objects.filter(mailing=m)}
    assert len(rows) == 2
    assert rows[yes.pk].status == MailStatus.QUEUED
    assert (rows[no.pk].status, rows[no.pk].reason) == (MailStatus.REFUSED, "no_consent")
    assert rows[no.pk].body_text == ""


def test_a_sent_mail_is_personal_escaped_unsubscribable_and_on_the_timeline(alice):
    account, yes, _no = world(alice)
    m = mailing(alice, segment(alice))
    mailings.mailing_queue(mailing=m, occurrence="once")

    report = outbox.deliver(rate_per_second=0)

    assert report.sent == 1
    sent = mail.outbox[0]
    assert sent.to == ["ja@example.com"]
    assert sent.subject == "Hallo Eva"
    assert "Guten Tag Eva <b>Ja</b>" in sent.body and "Bäckerei <Kraus>" in sent.body
    html = sent.alternatives[0][0]
    assert "Eva &lt;b&gt;Ja&lt;/b&gt;" in html and "Bäckerei &lt;Kraus&gt;" in html
    assert sent.extra_headers["List-Unsubscribe"].startswith(
        "<http://localhost:8000/campaigns/unsubscribe/"
    )
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    activity = Activity.objects.get(account=account)
    assert (activity.kind, activity.subject, list(activity.stakeholders.all())) == (
        "email",
        "Hallo Eva",
        [yes],
    )


def test_a_withdrawal_after_queueing_stops_the_mail(client, alice):
    _account, yes, _no = world(alice)
    m = mailing(alice, segment(alice))
    mailings.mailing_queue(mailing=m, occurrence="once")
    row = OutboxMail.objects.get(mailing=m, status=MailStatus.QUEUED)

    client.post(row.unsubscribe_url.removeprefix("http://localhost:8000"))
    outbox.deliver(rate_per_second=0)

    assert mail.outbox == []
    row.refresh_from_db()
    assert (row.status, row.reason) == (MailStatus.REFUSED, "withdrawn")


def test_placeholders_must_be_known_and_reach_no_attribute(alice):
    _account, yes, _no = world(alice)
    m = mailing(alice, segment(alice), body="Hallo {vorname} {account.owner.password}")
    assert "Hallo Eva {account.owner.password}" in mailings.render_for(m, yes).body_text
    with pytest.raises(ValidationError):
        mailing(alice, segment(alice), body="Hallo {unbekannt}")


def test_a_header_injection_in_a_name_stays_in_the_subject(alice):
    account = AccountFactory(owner=alice)
    person = StakeholderFactory(
        account=account, first_name="Eva\nBcc: x@evil.example", email="eva@example.com"
    )
    confirmed_consent(person)
    flush_doi_mails()
    mailings.mailing_queue(mailing=mailing(alice, segment(alice)), occurrence="once")

    outbox.deliver(rate_per_second=0)

    assert mail.outbox[0].subject == "Hallo Eva Bcc: x@evil.example"
    assert mail.outbox[0].bcc == []


def test_confirmation_above_the_limit_waits_for_leadership(alice, leader, settings):
    settings.KAM_MAILING_APPROVAL_ABOVE = 1
    account = AccountFactory(owner=alice)
    for n in range(2):
        confirmed_consent(StakeholderFactory(account=account, email=f"p{n}@example.com"))
    m = mailing(alice, segment(alice))

    m = mailings.mailing_confirm(mailing=m, user=alice)
    assert m.status == MailingStatus.AWAITING_APPROVAL
    with pytest.raises(ValidationError):
        mailings.mailing_approve(mailing=m, user=alice)
    m = mailings.mailing_approve(mailing=m, user=leader)

    assert (m.status, m.approved_by) == (MailingStatus.SCHEDULED, leader)
    assert mailings.queue_due() == 2


def test_a_confirmed_mailing_cannot_be_confirmed_or_changed_again(alice):
    _account, _yes, _no = world(alice)
    m = mailings.mailing_confirm(mailing=mailing(alice, segment(alice)), user=alice)
    with pytest.raises(ValidationError):
        mailings.mailing_confirm(mailing=m, user=alice)
    with pytest.raises(ValidationError):
        mailings.mailing_save(mailing=m, user=alice)


def test_a_yearly_mailing_goes_out_once_per_year(alice):
    _account, _yes, _no = world(alice)
    start = timezone.make_aware(datetime(2027, 1, 10, 8, 0))
    with time_machine.travel(start - timedelta(days=5), tick=False):
        m = mailing(
            alice, segment(alice), send_at=start, repeat_yearly=True, purpose=Purpose.NEWSLETTER
        )
        mailings.mailing_confirm(mailing=m, user=alice)
        assert mailings.queue_due() == 0
    for day in (0, 0, 1, 200):
        with time_machine.travel(start + timedelta(days=day, hours=1), tick=False):
            mailings.queue_due()
    with time_machine.travel(start.replace(year=2028) + timedelta(hours=1), tick=False):
        mailings.queue_due()
        mailings.queue_due()

    occurrences = list(
        OutboxMail.objects.filter(mailing=m, status=MailStatus.QUEUED)
        .values_list("occurrence", flat=True)
        .order_by("occurrence")
    )
    assert occurrences == ["2027", "2028"]
    m.refresh_from_db()
    assert (m.status, m.send_at.year, m.last_occurrence) == (MailingStatus.SCHEDULED, 2029, "2028")


def test_cancelling_stops_what_no_worker_has_taken(alice):
    _account, _yes, _no = world(alice)
    m = mailing(alice, segment(alice))
    mailings.mailing_queue(mailing=m, occurrence="once")

    assert mailings.mailing_cancel(mailing=m) == 1
    assert outbox.deliver(rate_per_second=0).sent == 0


def test_a_test_mail_goes_to_me_without_an_unsubscribe_link_of_someone_else(alice):
    _account, yes, _no = world(alice)
    m = mailing(alice, segment(alice))

    mailings.test_mail_send(mailing=m, user=alice)
    outbox.deliver(rate_per_second=0)

    assert mail.outbox[0].to == [alice.email]
    assert mail.outbox[0].subject == "[Test] Hallo Eva"
    assert "/unsubscribe/" not in mail.outbox[0].body
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


# --- the property: nothing is queued for a recipient the gate refuses

EVENTS = st.sampled_from(["ask", "confirm", "withdraw", "uwg_all", "uwg_some", "contract", "phone"])
PEOPLE = st.lists(
    st.tuples(st.booleans(), st.sampled_from(list(Purpose.values)), st.lists(EVENTS, max_size=4)),
    min_size=1,
    max_size=6,
)


def apply(person, purpose: str, event: str) -> None:
    common = {"stakeholder": person, "purpose": purpose, "user": None}
    if event == "ask" and person.email:
        consent.consent_record(
            channel=Channel.EMAIL,
            legal_basis=LegalBasis.CONSENT,
            method=CaptureMethod.FORM,
            **common,
        )
    elif event == "confirm":
        pending = consent.current_records([person.pk], purpose=purpose).get(person.pk)
        if pending is not None and pending.status == "pending":
            consent.doi_confirm(pending=pending, ip_address="192.0.2.9")
    elif event == "withdraw":
        consent.consent_withdraw(method=CaptureMethod.MANAGER, **common)
    elif event in ("uwg_all", "uwg_some") and person.email:
        consent.consent_record(
            channel=Channel.EMAIL,
            legal_basis=LegalBasis.EXISTING_CUSTOMER,
            method=CaptureMethod.MANAGER,
            address_from_sale=True,
            similar_goods=True,
            informed_of_objection=event == "uwg_all",
            **common,
        )
    elif event == "contract" and person.email:
        consent.consent_record(
            channel=Channel.EMAIL,
            legal_basis=LegalBasis.CONTRACT,
            method=CaptureMethod.MANAGER,
            **common,
        )
    elif event == "phone":
        consent.consent_record(
            channel=Channel.PHONE,
            legal_basis=LegalBasis.CONSENT,
            method=CaptureMethod.MANAGER,
            note="Telefon",
            **common,
        )


class NothingQueuedAgainstTheGate(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(PEOPLE, st.sampled_from(list(Purpose.values)))
    def test_no_mail_is_queued_for_a_recipient_the_gate_refuses(self, people, purpose):
        sender = UserFactory(role=Role.KEY_ACCOUNT_MANAGER)
        account = AccountFactory(owner=sender)
        for value in Purpose.values:
            wording(value)
        persons = []
        for n, (has_email, consent_purpose, events) in enumerate(people):
            person = StakeholderFactory(
                account=account, email=f"p{n}@example.com" if has_email else ""
            )
            for event in events:
                apply(person, consent_purpose, event)
            persons.append(person)
        m = mailing(sender, segment(sender), purpose=purpose)

        mailings.mailing_queue(mailing=m, occurrence="once")

        queued = set(
            OutboxMail.objects.filter(mailing=m, status=MailStatus.QUEUED).values_list(
                "stakeholder_id", flat=True
            )
        )
        allowed = {p.pk for p in persons if gate(stakeholder=p, purpose=purpose).allowed}
        assert queued == allowed
        assert OutboxMail.objects.filter(mailing=m).count() == len(persons)


def test_each_recipient_gets_their_own_pdf(alice):
    import io

    from pypdf import PdfReader

    account, yes, _no = world(alice)
    m = mailing(alice, segment(alice), attachment="master_data")
    mailings.mailing_queue(mailing=m, occurrence="once")

    outbox.deliver(rate_per_second=0)

    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert (name, mimetype) == (f"stammdaten-{account.customer_number}.pdf", "application/pdf")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Bäckerei <Kraus>" in text and account.customer_number in text


def test_only_its_maker_or_leadership_changes_a_shared_segment(client, alice, carol, leader):
    shared = segment(carol, name="Carols Segment")
    url = reverse("campaigns:segment_update", kwargs={"pk": shared.pk})

    client.force_login(alice)
    assert client.post(url, {"name": "Gekapert"}).status_code == 403
    client.force_login(leader)
    assert client.post(url, {"name": "Umbenannt"}).status_code == 302
    shared.refresh_from_db()
    assert shared.name == "Umbenannt"
