"""The satisfaction question after closing: a signed link, no login needed."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.complaints.models import Complaint, ComplaintEvent, EventKind, Status

SALT = "kam.complaints.satisfaction"
MAX_AGE = timedelta(days=30)


def make_token(complaint: Complaint) -> str:
    return signing.dumps({"complaint": complaint.pk, "number": complaint.number}, salt=SALT)


def complaint_for_token(token: str) -> Complaint | None:
    """The complaint the link was made for, or None when it was changed or has expired."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("complaint"), int):
        return None
    return Complaint.objects.filter(
        pk=payload["complaint"], number=str(payload.get("number")), status=Status.CLOSED
    ).first()


def survey_url(complaint: Complaint, base_url: str) -> str:
    path = reverse("complaints:satisfaction", kwargs={"token": make_token(complaint)})
    return base_url.rstrip("/") + path


@transaction.atomic
def survey_send(*, complaint: Complaint, base_url: str) -> bool:
    """Mails the question to the stakeholder who raised the complaint; once per closing."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("stakeholder")
        .get(pk=complaint.pk)
    )
    stakeholder = complaint.stakeholder
    if complaint.status != Status.CLOSED or stakeholder is None or not stakeholder.email:
        return False
    if complaint.satisfaction_sent_at and complaint.satisfaction_sent_at >= (
        complaint.closed_at or complaint.satisfaction_sent_at
    ):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        url = survey_url(complaint, base_url)
        context = {"complaint": complaint, "stakeholder": stakeholder, "url": url}
        body = render_to_string("complaints/email/satisfaction.txt", context)
        subject = _("Your complaint %(number)s: were you satisfied?") % {"number": complaint.number}
    send_mail(subject, body, None, [stakeholder.email])
    complaint.satisfaction_sent_at = timezone.now()
    complaint.save(update_fields=["satisfaction_sent_at"])
    ComplaintEvent.objects.create(
        complaint=complaint, at=timezone.now(), kind=EventKind.SURVEY, note=stakeholder.email
    )
    return True


@transaction.atomic
def survey_answer(*, complaint: Complaint, satisfied: bool, comment: str) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.satisfaction_answered_at is not None:
        raise ValidationError(_("This question has already been answered. Thank you!"))
    complaint.satisfied = satisfied
    complaint.satisfaction_comment = comment[:2000]
    complaint.satisfaction_answered_at = timezone.now()
    complaint.save(update_fields=["satisfied", "satisfaction_comment", "satisfaction_answered_at"])
    return complaint
