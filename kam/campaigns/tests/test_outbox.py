"""The outbox against a real SMTP server (aiosmtpd on localhost): at most once, always."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.campaigns import outbox
from kam.campaigns.models import MailKind, MailStatus, OutboxMail
from kam.campaigns.tests.smtp_sink import Sink, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings):
    with Sink() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server


def enqueue(n: int, prefix: str = "p") -> list[OutboxMail]:
    return [
        outbox.mail_enqueue(
            kind=MailKind.TEST,
            to_email=f"{prefix}{i}@example.com",
            subject=f"Mail {i}",
            body_text="Hallo",
        )
        for i in range(n)
    ]


def statuses() -> dict[str, int]:
    rows = OutboxMail.objects.values_list("status", flat=True)
    return {status: list(rows).count(status) for status in set(rows)}


def test_each_recipient_gets_exactly_one_mail(sink):
    mails = enqueue(20)

    report = outbox.deliver(rate_per_second=0)
    again = outbox.deliver(rate_per_second=0)

    assert (report.sent, again.sent) == (20, 0)
    assert sink.deliveries == {mail.message_id: 1 for mail in mails}
    assert statuses() == {MailStatus.SENT: 20}


def test_a_crash_between_sending_and_recording_never_sends_again(sink, monkeypatch):
    mails = enqueue(5)
    real_mark_sent = outbox._mark_sent
    calls = []

    def killed_on_the_third(mail, *, worker):
        calls.append(mail.pk)
        if len(calls) == 3:
            raise SystemExit("worker killed")  # after the SMTP call, before the record
        real_mark_sent(mail, worker=worker)

    monkeypatch.setattr(outbox, "_mark_sent", killed_on_the_third)
    with pytest.raises(SystemExit):
        outbox.deliver(rate_per_second=0)
    monkeypatch.setattr(outbox, "_mark_sent", real_mark_sent)
    crashed = OutboxMail.objects.get(status=MailStatus.SENDING)

    outbox.deliver(rate_per_second=0)  # another worker: takes the rest, not the orphan
    assert outbox.recover_stale() == 0  # the lease has not run out
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):
        assert outbox.recover_stale() == 1
        outbox.deliver(rate_per_second=0)

    assert sink.deliveries == {mail.message_id: 1 for mail in mails}
    crashed.refresh_from_db()
    assert crashed.status == MailStatus.UNCERTAIN
    assert statuses() == {MailStatus.SENT: 4, MailStatus.UNCERTAIN: 1}


def test_a_person_resolves_an_uncertain_mail_with_the_servers_log(sink):
    [lost, sent] = enqueue(2)
    OutboxMail.objects.filter(pk__in=[lost.pk, sent.pk]).update(status=MailStatus.UNCERTAIN)

    assert outbox.mail_resolve_uncertain(mail=lost, delivered=False)
    assert outbox.mail_resolve_uncertain(mail=sent, delivered=True)
    assert not outbox.mail_resolve_uncertain(mail=sent, delivered=False)  # decided already
    outbox.deliver(rate_per_second=0)

    assert sink.deliveries == {lost.message_id: 1}
    assert statuses() == {MailStatus.SENT: 2}


def test_a_dropped_connection_after_the_data_is_uncertain_not_resent(sink):
    [mail] = enqueue(1)
    sink.handler.drop_after_data = True

    report = outbox.deliver(rate_per_second=0)
    sink.handler.drop_after_data = False
    outbox.deliver(rate_per_second=0)

    assert report.uncertain == 1
    assert sink.deliveries == {mail.message_id: 1}
    assert statuses() == {MailStatus.UNCERTAIN: 1}


def test_a_temporary_refusal_is_retried_with_backoff(sink):
    [mail] = enqueue(1)
    sink.handler.refuse["p0@example.com"] = "451 4.3.0 try again later"

    first = outbox.deliver(rate_per_second=0)
    sink.handler.refuse.clear()
    too_early = outbox.deliver(rate_per_second=0)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        later = outbox.deliver(rate_per_second=0)

    assert (first.retried, too_early.sent, later.sent) == (1, 0, 1)
    assert sink.deliveries == {mail.message_id: 1}
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)


def test_a_permanent_refusal_fails_for_good(sink):
    enqueue(1)
    sink.handler.refuse["p0@example.com"] = "550 5.1.1 no such user"

    report = outbox.deliver(rate_per_second=0)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        outbox.deliver(rate_per_second=0)

    assert report.failed == 1
    assert sink.deliveries == {}
    row = OutboxMail.objects.get()
    assert row.status == MailStatus.FAILED
    assert "no such user" in row.last_error


def test_an_unreachable_server_means_retry_later(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    enqueue(2)

    report = outbox.deliver(rate_per_second=0)

    assert report.retried == 2
    assert statuses() == {MailStatus.RETRY: 2}


def test_the_rate_limit_spaces_the_mails(sink, monkeypatch):
    enqueue(3)
    pauses: list[float] = []
    monkeypatch.setattr(outbox.time, "sleep", pauses.append)
    monkeypatch.setattr(outbox.time, "monotonic", lambda: 100.0)  # each mail takes no time

    outbox.deliver(rate_per_second=20)

    assert pauses == [0.05, 0.05, 0.05]
    assert sum(sink.deliveries.values()) == 3


def test_a_claimed_mail_is_not_claimed_twice():
    [mail] = enqueue(1)

    first = outbox.claim_next(worker="a")
    second = outbox.claim_next(worker="b")

    assert first is not None and first.pk == mail.pk
    assert second is None


def test_a_batch_costs_two_queries_per_mail_over_one_connection(sink):
    enqueue(50)

    with CaptureQueriesContext(connection) as queries:
        report = outbox.deliver(rate_per_second=0)

    statements = [
        q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]
    ]  # the test's transaction
    assert len(statements) <= 2 * 50 + 6  # take and mark sent each; claim, load, release
    assert report.sent == 50
    assert sum(sink.handler.connections.values()) == 1


def test_a_dead_workers_reserved_mails_are_sent_later_and_only_the_one_in_flight_is_uncertain(
    sink,
):
    mails = enqueue(5)
    batch = outbox.claim_batch(worker="dead", size=5)
    assert outbox._take(batch[0], worker="dead")  # then SIGKILL: nothing else happens

    assert outbox.recover_stale() == 0  # the lease has not run out
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):
        assert outbox.recover_stale() == 1
        report = outbox.deliver(rate_per_second=0)

    assert report.sent == 4
    assert sink.deliveries == {mail.message_id: 1 for mail in mails[1:]}
    assert statuses() == {MailStatus.SENT: 4, MailStatus.UNCERTAIN: 1}


def test_a_worker_paused_past_the_lease_does_not_send_what_was_given_back(sink):
    [mail] = enqueue(1)
    [held] = outbox.claim_batch(worker="paused", size=1)
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):
        outbox.recover_stale()
        outbox.deliver(worker="other", rate_per_second=0)

    report = outbox.Report()
    with outbox.get_connection() as connection:
        outbox.send_one(held, connection=connection, worker="paused", report=report)

    assert report.sent == 0
    assert sink.deliveries == {mail.message_id: 1}


def test_a_worker_stopping_early_gives_its_reserved_mails_back(sink):
    enqueue(5)

    report = outbox.deliver(rate_per_second=0, limit=2)

    assert report.sent == 2
    assert statuses() == {MailStatus.SENT: 2, MailStatus.QUEUED: 3}


def _mailing_mail_to_consenting_person(email: str = "eva@example.com") -> OutboxMail:
    from kam.campaigns.models import Purpose
    from kam.campaigns.tests.factories import confirmed_consent
    from kam.testing.factories import StakeholderFactory

    person = StakeholderFactory(email=email)
    confirmed_consent(person, Purpose.NEWSLETTER)
    OutboxMail.objects.all().delete()  # the double opt-in request
    return outbox.mail_enqueue(
        kind=MailKind.INVITATION,
        to_email=email,
        subject="Einladung",
        body_text="Hallo",
        stakeholder=person,
        account=person.account,
        purpose=Purpose.NEWSLETTER,
    )


def test_a_permanent_refusal_of_the_address_is_a_bounce_the_gate_then_refuses(sink):
    from kam.campaigns.gate import Refusal, gate

    mail = _mailing_mail_to_consenting_person()
    sink.handler.refuse["eva@example.com"] = "550 5.1.1 no such user"

    report = outbox.deliver(rate_per_second=0)

    mail.refresh_from_db()
    assert report.failed == 1
    assert (mail.status, mail.reason) == (MailStatus.FAILED, Refusal.BOUNCING)
    assert "no such user" in mail.last_error
    [bounce] = mail.stakeholder.bounced_addresses.all()
    assert (bounce.email, bounce.reply) == ("eva@example.com", "550 5.1.1 no such user")
    decision = gate(stakeholder=mail.stakeholder, purpose=mail.purpose)
    assert (decision.allowed, decision.reason) == (False, Refusal.BOUNCING)
    assert str(decision.reason_label).startswith("Adresse unzustellbar")


def test_a_temporary_refusal_is_no_bounce(sink):
    from kam.campaigns.gate import gate

    mail = _mailing_mail_to_consenting_person()
    sink.handler.refuse["eva@example.com"] = "452 4.2.2 mailbox full"

    outbox.deliver(rate_per_second=0)

    assert not mail.stakeholder.bounced_addresses.exists()
    assert gate(stakeholder=mail.stakeholder, purpose=mail.purpose).allowed


def test_a_new_address_is_not_bouncing(sink):
    from kam.campaigns.gate import bouncing_ids

    mail = _mailing_mail_to_consenting_person()
    sink.handler.refuse["eva@example.com"] = "550 5.1.1 no such user"
    outbox.deliver(rate_per_second=0)
    person = mail.stakeholder

    person.email = "eva.neu@example.com"

    assert bouncing_ids([person]) == set()
