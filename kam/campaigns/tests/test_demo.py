import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from kam.activities.models import Activity, ActivityKind
from kam.campaigns.models import (
    ConsentRecord,
    Event,
    Invitation,
    Mailing,
    MailStatus,
    OutboxMail,
    RsvpStatus,
    Segment,
)
from kam.users.models import User


@pytest.mark.django_db
def test_the_demo_has_consents_a_segment_a_sent_mailing_and_events_with_registrations(client):
    call_command("demo", "--accounts", "60", "--seed", "4", stdout=io.StringIO())
    leader = User.objects.get(username="leitung")

    mailing = Mailing.objects.get()
    sent = OutboxMail.objects.filter(mailing=mailing, status=MailStatus.SENT)
    held, ahead = Event.objects.order_by("starts_at")

    assert ConsentRecord.objects.filter(status="granted", method="doi").count() > 20
    assert ConsentRecord.objects.exclude(status="granted").exists()
    assert Segment.objects.count() == 2
    assert sent.exists() and OutboxMail.objects.filter(status=MailStatus.REFUSED).exists()
    assert Activity.objects.filter(kind=ActivityKind.EMAIL, outcome=sent[0].message_id).exists()
    assert Invitation.objects.filter(event=held, attended=True).exists()
    assert Invitation.objects.filter(event=ahead, status=RsvpStatus.ACCEPTED).exists()
    client.force_login(leader)
    for url in (
        reverse("campaigns:mailing_detail", kwargs={"pk": mailing.pk}),
        reverse("campaigns:event_detail", kwargs={"pk": held.pk}),
        reverse("accounts:detail", kwargs={"pk": sent[0].account_id}),
    ):
        assert client.get(url).status_code == 200
