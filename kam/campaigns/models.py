"""Consent, segments, mailings and the outbox: nothing is mailed except through the send gate
(kam.campaigns.gate) and the outbox (kam.campaigns.outbox)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class Purpose(models.TextChoices):
    EVENTS = "events", _("Event invitations")
    NEWSLETTER = "newsletter", _("Newsletters and information")
    PRICE_LISTS = "price_lists", _("Price lists and condition documents")
    SURVEYS = "surveys", _("Surveys")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    EXISTING_CUSTOMER = "existing_customer", _("Existing customer (§ 7 (3) UWG)")
    CONTRACT = "contract", _("Contract")


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting double opt-in")
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CaptureMethod(models.TextChoices):
    FORM = "form", _("Form")
    EVENT_REGISTRATION = "event", _("Event registration")
    IMPORT = "import", _("Import")
    MANAGER = "manager", _("Recorded by the key account manager")
    DOI = "doi", _("Double opt-in confirmation link")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")


class AppendOnlyQuerySet(models.QuerySet):
    """Proof records are never changed or deleted through the ORM: a change is a new record.
    (The GDPR erasure pseudonymises them through a plain QuerySet, on purpose and audited.)"""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} records are append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} records are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} records are append-only")


class ConsentWording(AppendOnlyModel):
    """The text a person was shown when asked for consent; a new text is a new version."""

    purpose = models.CharField(_("Purpose"), max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("Version"))
    text = models.TextField(_("Wording"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("Consent wording")
        verbose_name_plural = _("Consent wordings")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="one_wording_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"


class ConsentRecord(AppendOnlyModel):
    """One fact about a person's consent to be contacted on a channel for a purpose. The newest
    record per (stakeholder, channel, purpose) is the current state; the history is the proof."""

    PERSONAL_DATA_FIELDS = ("email", "ip_address", "note")

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="consent_records"
    )
    channel = models.CharField(_("Channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("Purpose"), max_length=20, choices=Purpose.choices)
    legal_basis = models.CharField(_("Legal basis"), max_length=20, choices=LegalBasis.choices)
    status = models.CharField(_("Status"), max_length=10, choices=ConsentStatus.choices)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)
    method = models.CharField(_("How"), max_length=20, choices=CaptureMethod.choices)
    note = models.TextField(_("Note"), blank=True)
    wording = models.ForeignKey(
        ConsentWording,
        verbose_name=_("Wording shown"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    email = models.CharField(_("E-mail address"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    confirms = models.ForeignKey(
        "self",
        verbose_name=_("Confirms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmations",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The four conditions of § 7 (3) UWG; the fourth (no objection) is the status not withdrawn.
    address_from_sale = models.BooleanField(
        _("Address obtained in connection with a sale"), default=False
    )
    similar_goods = models.BooleanField(_("Only for our own similar goods"), default=False)
    informed_of_objection = models.BooleanField(
        _("Informed of the right to object at collection and with every mail"), default=False
    )

    class Meta:
        verbose_name = _("Consent record")
        verbose_name_plural = _("Consent records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["stakeholder", "channel", "purpose", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.stakeholder_id} {self.channel}/{self.purpose}: {self.status}"


class Segment(models.Model):
    """A saved filter over accounts and their stakeholders (see kam.campaigns.segments)."""

    name = models.CharField(_("Name"), max_length=150)
    filters = models.JSONField(_("Filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="segments"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("Segment")
        verbose_name_plural = _("Segments")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "approval", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUING = "queuing", _("Being queued")
    QUEUED = "queued", _("Queued")
    CANCELLED = "cancelled", _("Cancelled")


class Attachment(models.TextChoices):
    NONE = "", _("none")
    MASTER_DATA = "master_data", _("Master data confirmation of the account (PDF)")
    CONDITIONS = "conditions", _("Condition confirmation of the account (PDF)")


class Mailing(models.Model):
    """Subject and body with placeholders, sent to a segment for one purpose."""

    title = models.CharField(_("Title"), max_length=200)
    purpose = models.CharField(_("Purpose"), max_length=20, choices=Purpose.choices)
    segment = models.ForeignKey(
        Segment, verbose_name=_("Segment"), on_delete=models.PROTECT, related_name="mailings"
    )
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Text"))
    attachment = models.CharField(
        _("Attachment per recipient"), max_length=20, choices=Attachment.choices, blank=True
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=MailingStatus.choices, default=MailingStatus.DRAFT
    )
    send_at = models.DateTimeField(_("Send at"), null=True, blank=True)
    repeat_yearly = models.BooleanField(_("Every year on this date"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mailings"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_occurrence = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Mailing")
        verbose_name_plural = _("Mailings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MailKind(models.TextChoices):
    MAILING = "mailing", _("Mailing")
    TEST = "test", _("Test mail")
    DOI = "doi", _("Double opt-in request")
    INVITATION = "invitation", _("Event invitation")
    EVENT_NOTICE = "event_notice", _("Event confirmation or reminder")


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CLAIMED = "claimed", _("Reserved by a worker")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Waiting for a retry")
    FAILED = "failed", _("Failed")
    UNCERTAIN = "uncertain", _("Uncertain: check the mail server's log")
    REFUSED = "refused", _("Not sent: refused by the send gate")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMail(models.Model):
    """One mail to one recipient. Claimed (queued → sending) before the mail server is called and
    marked sent after: a row left in `sending` by a crash is never sent again automatically."""

    PERSONAL_DATA_FIELDS = ("to_email", "subject", "body_text", "body_html", "last_error", "ics")

    kind = models.CharField(_("Kind"), max_length=20, choices=MailKind.choices)
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.PROTECT, related_name="mails"
    )
    occurrence = models.CharField(_("Occurrence"), max_length=20, blank=True)
    stakeholder = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.PROTECT, related_name="mails"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="mails"
    )
    purpose = models.CharField(_("Purpose"), max_length=20, choices=Purpose.choices, blank=True)
    to_email = models.CharField(_("To"), max_length=254, blank=True)
    subject = models.CharField(_("Subject"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    unsubscribe_url = models.CharField(max_length=500, blank=True)
    #: An iCalendar attachment (the event with the attendee), sent as einladung.ics.
    ics = models.TextField(blank=True)
    #: A PDF made for the recipient when the mail is sent (see kam.campaigns.pdf.attachment_for).
    attachment = models.CharField(max_length=20, choices=Attachment.choices, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=MailStatus.choices,
        default=MailStatus.QUEUED,
        db_index=True,
    )
    reason = models.CharField(_("Reason"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Outgoing mail")
        verbose_name_plural = _("Outbox")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "occurrence", "stakeholder"],
                condition=models.Q(mailing__isnull=False, kind="mailing"),
                name="one_mail_per_recipient_and_occurrence",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.to_email} ({self.status})"

    @property
    def reason_label(self) -> str:
        from kam.campaigns.gate import Refusal

        return str(Refusal(self.reason).label) if self.reason in Refusal.values else self.reason


class Event(models.Model):
    """A special event (Sonderveranstaltung) with invitations, RSVP and attendance."""

    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    starts_at = models.DateTimeField(_("Starts"))
    ends_at = models.DateTimeField(_("Ends"))
    place = models.CharField(_("Place"), max_length=300, blank=True)
    online_url = models.URLField(_("Online link"), blank=True)
    capacity = models.PositiveIntegerField(_("Seats"))
    segment = models.ForeignKey(
        Segment, verbose_name=_("Invite segment"), on_delete=models.PROTECT, related_name="events"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Event")
        verbose_name_plural = _("Events")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})
        if self.capacity is not None and not 1 <= self.capacity <= 100000:
            raise ValidationError({"capacity": _("Between 1 and 100,000 seats.")})


class RsvpStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    WAITING = "waiting", _("On the waiting list")
    DECLINED = "declined", _("Declined")


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="invitations"
    )
    status = models.CharField(
        _("Answer"), max_length=10, choices=RsvpStatus.choices, default=RsvpStatus.INVITED
    )
    companions = models.PositiveSmallIntegerField(_("Companions"), default=0)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("Attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("Invitation")
        verbose_name_plural = _("Invitations")
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "stakeholder"], name="one_invitation_each")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.stakeholder_id}: {self.status}"

    @property
    def seats(self) -> int:
        return 1 + self.companions


class BouncedAddress(models.Model):
    """The mail server refused a contact person's address for good (5xx to RCPT TO): the send
    gate refuses that address until the person has another one."""

    PERSONAL_DATA_FIELDS = ("email", "reply")

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="bounced_addresses"
    )
    email = models.CharField(_("E-mail address"), max_length=254)
    reply = models.CharField(_("Answer of the mail server"), max_length=500, blank=True)
    mail = models.ForeignKey(
        OutboxMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("Bouncing address")
        verbose_name_plural = _("Bouncing addresses")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.stakeholder_id}: {self.email}"
