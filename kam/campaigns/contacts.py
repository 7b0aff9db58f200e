"""A sent mail of a mailing is a contact: an activity of type e-mail on the account, with the
stakeholder as participant, so it shows on the timeline and in the stakeholder's contacts."""

from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.campaigns.models import MailKind, OutboxMail


def record_mail_sent(mail: OutboxMail) -> Activity | None:
    if mail.kind != MailKind.MAILING or mail.account_id is None:
        return None
    owner_id = mail.created_by_id or (mail.account.owner_id if mail.account else None)
    if owner_id is None:
        return None
    activity = Activity.objects.create(
        account_id=mail.account_id,
        kind=ActivityKind.EMAIL,
        status=ActivityStatus.DONE,
        starts_at=timezone.now(),
        duration_minutes=0,
        subject=mail.subject[:200],
        outcome=mail.message_id,
        owner_id=owner_id,
    )
    if (
        mail.stakeholder_id
    ):  # a new activity has no participants yet: no need to ask (as add() does)
        Activity.stakeholders.through.objects.create(
            activity_id=activity.pk, stakeholder_id=mail.stakeholder_id
        )
    return activity
