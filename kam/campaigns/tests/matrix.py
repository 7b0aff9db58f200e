"""The campaigns URLs in the permission matrix (see kam.testing.matrix)."""

from typing import cast

from kam.accounts.models import Stakeholder
from kam.campaigns import consent, outbox, tokens
from kam.campaigns.models import (
    CaptureMethod,
    Channel,
    Invitation,
    LegalBasis,
    MailKind,
    MailStatus,
    OutboxMail,
    Purpose,
)
from kam.campaigns.tests.factories import event, mailing, segment, wording
from kam.testing.factories import StakeholderFactory
from kam.testing.matrix import Row, allowed


def objects(account, users) -> dict:
    person = cast(Stakeholder, StakeholderFactory(account=account, email=f"p{account.pk}@x.de"))
    if consent.wording_current(Purpose.NEWSLETTER) is None:
        wording(Purpose.NEWSLETTER)
    pending = consent.consent_record(
        stakeholder=person,
        channel=Channel.EMAIL,
        purpose=Purpose.NEWSLETTER,
        legal_basis=LegalBasis.CONSENT,
        method=CaptureMethod.FORM,
        user=None,
    )
    seg = segment(account.owner, name=f"Segment {account.pk}")
    uncertain = outbox.mail_enqueue(
        kind=MailKind.TEST, to_email="x@example.com", subject="s", body_text="b"
    )
    OutboxMail.objects.filter(pk=uncertain.pk).update(status=MailStatus.UNCERTAIN)
    party = event(account.owner, seg)
    invitation = Invitation.objects.create(event=party, stakeholder=person)
    return {
        "person": person,
        "event": party,
        "rsvp_token": tokens.rsvp_token(invitation.pk),
        "segment": seg,
        "mailing": mailing(account.owner, seg),
        "uncertain": uncertain,
        "doi_token": tokens.doi_token(pending.pk),
        "unsubscribe_token": tokens.unsubscribe_token(
            stakeholder_id=person.pk, purpose=Purpose.NEWSLETTER
        ),
    }


def person_pk(objects: dict) -> dict:
    return {"pk": objects["person"].pk}


def segment_pk(objects: dict) -> dict:
    return {"pk": objects["segment"].pk}


def mailing_pk(objects: dict) -> dict:
    return {"pk": objects["mailing"].pk}


def uncertain_pk(objects: dict) -> dict:
    return {"pk": objects["uncertain"].pk}


def event_pk(objects: dict) -> dict:
    return {"pk": objects["event"].pk}


def rsvp_kwargs(objects: dict) -> dict:
    return {"token": objects["rsvp_token"]}


def doi_kwargs(objects: dict) -> dict:
    return {"token": objects["doi_token"]}


def unsubscribe_kwargs(objects: dict) -> dict:
    return {"token": objects["unsubscribe_token"]}


PHONE_CONSENT = {
    "channel": "phone",
    "purpose": "events",
    "legal_basis": "consent",
    "method": "manager",
    "note": "am Telefon zugestimmt",
}
WITHDRAWAL = {"channel": "email", "purpose": "newsletter"}
PUBLIC = "200 200 200 200 200 200"
DATA_SUBJECT = allowed("can_handle_data_subject_requests", "200", "403")
SENDERS = allowed("can_send_mailings", "200", "403")
LEADERS_POST = allowed("can_approve_mailings", "302", "403")
# root, leader, alice (owns "own"), bob (edit seat on "own"), sam (customer service), anonymous
ROWS = [
    Row("campaigns:wordings", "none", "get", allowed("can_manage_consent_wording", "200", "403")),
    Row("campaigns:consent", "own", "get", "200 200 200 403 200 302", person_pk),
    Row("campaigns:consent", "foreign", "get", "200 200 404 403 200 302", person_pk),
    Row("campaigns:consent_pdf", "own", "get", "200 200 200 403 200 302", person_pk),
    Row("campaigns:consent_pdf", "foreign", "get", "200 200 404 403 200 302", person_pk),
    Row(
        "campaigns:consent_add", "own", "post", "302 302 302 403 403 302", person_pk, PHONE_CONSENT
    ),
    Row(
        "campaigns:consent_add",
        "foreign",
        "post",
        "302 302 404 403 403 302",
        person_pk,
        PHONE_CONSENT,
    ),
    Row(
        "campaigns:consent_withdraw",
        "own",
        "post",
        "302 302 302 403 403 302",
        person_pk,
        WITHDRAWAL,
    ),
    Row(
        "campaigns:consent_withdraw",
        "foreign",
        "post",
        "302 302 404 403 403 302",
        person_pk,
        WITHDRAWAL,
    ),
    Row("campaigns:doi", "own", "get", PUBLIC, doi_kwargs),
    Row("campaigns:unsubscribe", "own", "get", PUBLIC, unsubscribe_kwargs),
    Row("campaigns:mailings", "none", "get", SENDERS),
    Row("campaigns:mailing_create", "none", "get", SENDERS),
    Row("campaigns:segments", "none", "get", SENDERS),
    Row("campaigns:segment_create", "none", "get", SENDERS),
    Row("campaigns:segment_detail", "own", "get", SENDERS, segment_pk),
    Row("campaigns:segment_detail", "foreign", "get", SENDERS, segment_pk),
    Row("campaigns:segment_update", "own", "get", SENDERS, segment_pk),
    Row("campaigns:segment_update", "foreign", "get", "200 200 403 403 403 302", segment_pk),
    Row("campaigns:mailing_detail", "own", "get", SENDERS, mailing_pk),
    Row("campaigns:mailing_detail", "foreign", "get", "200 200 404 403 403 302", mailing_pk),
    Row("campaigns:mailing_update", "own", "get", SENDERS, mailing_pk),
    Row("campaigns:mailing_update", "foreign", "get", "200 200 404 403 403 302", mailing_pk),
    Row("campaigns:mailing_test", "own", "post", "302 302 302 403 403 302", mailing_pk),
    Row("campaigns:mailing_test", "foreign", "post", "302 302 404 403 403 302", mailing_pk),
    Row("campaigns:mailing_confirm", "own", "post", "302 302 302 403 403 302", mailing_pk),
    Row("campaigns:mailing_confirm", "foreign", "post", "302 302 404 403 403 302", mailing_pk),
    Row("campaigns:mailing_approve", "own", "post", LEADERS_POST, mailing_pk),
    Row("campaigns:mailing_approve", "foreign", "post", LEADERS_POST, mailing_pk),
    Row("campaigns:mailing_cancel", "own", "post", "302 302 302 403 403 302", mailing_pk),
    Row("campaigns:mailing_cancel", "foreign", "post", "302 302 404 403 403 302", mailing_pk),
    Row("campaigns:outbox", "none", "get", allowed("can_approve_mailings", "200", "403")),
    Row("campaigns:outbox_resolve", "own", "post", LEADERS_POST, uncertain_pk),
    Row("campaigns:events", "none", "get", SENDERS),
    Row("campaigns:event_create", "none", "get", SENDERS),
    Row("campaigns:event_detail", "own", "get", SENDERS, event_pk),
    Row("campaigns:event_detail", "foreign", "get", "200 200 404 403 403 302", event_pk),
    Row("campaigns:event_update", "own", "get", SENDERS, event_pk),
    Row("campaigns:event_update", "foreign", "get", "200 200 404 403 403 302", event_pk),
    Row("campaigns:event_checkin", "own", "get", SENDERS, event_pk),
    Row("campaigns:event_checkin", "foreign", "get", "200 200 404 403 403 302", event_pk),
    Row("campaigns:event_invite", "own", "post", "302 302 302 403 403 302", event_pk),
    Row("campaigns:event_invite", "foreign", "post", "302 302 404 403 403 302", event_pk),
    Row("campaigns:event_follow_up", "own", "post", "302 302 302 403 403 302", event_pk),
    Row("campaigns:event_follow_up", "foreign", "post", "302 302 404 403 403 302", event_pk),
    Row("campaigns:rsvp", "own", "get", PUBLIC, rsvp_kwargs),
    Row("campaigns:retention", "none", "get", DATA_SUBJECT),
    Row("campaigns:privacy", "own", "get", DATA_SUBJECT, person_pk),
    Row("campaigns:privacy", "foreign", "get", DATA_SUBJECT, person_pk),
    Row("campaigns:privacy_json", "own", "get", DATA_SUBJECT, person_pk),
    Row("campaigns:privacy_pdf", "foreign", "get", DATA_SUBJECT, person_pk),
]
