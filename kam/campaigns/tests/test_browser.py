"""In the browser: a key account manager builds a segment, previews a mailing, sends a test mail
and the mailing, and finds it on the account's timeline; a customer accepts an invitation
through the RSVP link without logging in."""

import pytest
from django.core import mail

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.campaigns import events, tokens
from kam.campaigns.models import Invitation, MailKind, MailStatus, OutboxMail, Purpose
from kam.campaigns.tests.factories import confirmed_consent, event, segment
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mailing_from_segment_to_timeline(page, alice, settings):
    settings.KAM_MAIL_RATE_PER_SECOND = 0
    account = AccountFactory(owner=alice, name="Bergmann Maschinenbau", industry="Chemie")
    eva = StakeholderFactory(
        account=account, first_name="Eva", last_name="Berg", email="eva.berg@example.com"
    )
    StakeholderFactory(account=account, first_name="Otto", email="otto@example.com")
    confirmed_consent(eva, Purpose.NEWSLETTER)
    OutboxMail.objects.filter(kind=MailKind.DOI).update(status=MailStatus.SENT)

    browser_login(page, "alice")
    page.goto(f"{page.base_url}/campaigns/segments/new/")
    page.fill("#id_name", "Chemiekunden")
    page.select_option("#id_industry", "Chemie")
    page.click("button:has-text('Speichern und Empfänger zeigen')")
    page.wait_for_selector("[data-testid=allowed-count]")
    assert page.inner_text("[data-testid=allowed-count]") == "1"
    assert "Keine Einwilligung" in page.content()

    page.click("text=Neues Mailing an dieses Segment")
    page.fill("#id_title", "Herbstneuheiten")
    page.select_option("#id_purpose", "newsletter")
    page.fill("#id_subject", "Neuheiten für {firma}")
    page.fill("#id_body", "Guten Tag {name},\nunsere Neuheiten.")
    page.click("button:has-text('Speichern und Vorschau')")
    page.wait_for_selector("[data-testid=preview-body]")
    assert "Guten Tag Eva Berg" in page.inner_text("[data-testid=preview-body]")

    page.click("button:has-text('Testmail an mich senden')")
    page.wait_for_selector("text=Eine Testmail ist unterwegs")
    page.click("button:has-text('Bestätigen: an 1 Empfänger senden')")
    page.wait_for_selector("text=Das Mailing ist bestätigt")
    page.screenshot(path=str(ARTIFACTS / "kam-mailing-sent.png"), full_page=True)

    page.goto(f"{page.base_url}/activities/account/{account.pk}/timeline/")
    page.wait_for_selector("text=Neuheiten für Bergmann Maschinenbau")
    sent_to = sorted(m.to[0] for m in mail.outbox)
    assert sent_to == sorted([alice.email, "eva.berg@example.com"])
    assert "otto@example.com" not in sent_to


def test_an_invitation_is_accepted_through_the_rsvp_link(page, alice):
    account = AccountFactory(owner=alice)
    guest = StakeholderFactory(account=account, first_name="Ida", email="ida@example.com")
    confirmed_consent(guest, Purpose.EVENTS)
    party = event(alice, segment(alice), capacity=5, title="Hausmesse 2027")
    events.event_invite(event=party)
    invitation = Invitation.objects.get()

    page.goto(f"{page.base_url}/campaigns/rsvp/{tokens.rsvp_token(invitation.pk)}/")
    page.check("input[name=answer][value=yes]")
    page.fill("#id_companions", "2")
    page.click("button:has-text('Antwort senden')")
    page.wait_for_selector("[data-testid=rsvp-result]")

    invitation.refresh_from_db()
    assert (invitation.status, invitation.companions) == ("accepted", 2)
    assert "Platz ist reserviert" in page.inner_text("[data-testid=rsvp-result]")
