from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kam.accounts.models import Account, KeyAccountStatus, Stakeholder
from kam.complaints.validators import attachment_path, validate_attachment
from kam.core.audit import AuditedModel


class Taxonomy(models.Model):
    """An editable list entry (category, root cause); defaults come from a data migration."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("Position"), default=100)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ComplaintCategory(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("Complaint category")
        verbose_name_plural = _("Complaint categories")


class RootCause(Taxonomy):
    """Where in our own processes the error happened (process-error taxonomy)."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("Root cause")
        verbose_name_plural = _("Root causes")


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    PORTAL = "portal", _("Customer portal")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_ANALYSIS = "in_analysis", _("In analysis")
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Statuses in which the complaint still needs work (the backlog).
OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.IN_ANALYSIS,
    Status.SOLUTION_PROPOSED,
)


#: The most hours one complaint's handling may book.
MAX_HANDLING_HOURS = Decimal("1000")
HANDLING_HOURS_RANGE = _("Enter the handling effort in hours between 0 and 1,000.")


class Complaint(models.Model):
    """A complaint (Reklamation) of a customer."""

    number = models.CharField(_("Number"), max_length=20, unique=True, editable=False)
    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="complaints"
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("Raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_complaints",
    )
    subject = models.CharField(_("Subject"), max_length=200)
    channel = models.CharField(
        _("Channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    category = models.ForeignKey(
        ComplaintCategory, verbose_name=_("Category"), on_delete=models.PROTECT
    )
    severity = models.CharField(
        _("Severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(_("Description"))
    invoice_numbers = models.CharField(
        _("Invoice numbers"), max_length=500, blank=True, help_text=_("Separated by commas.")
    )
    product_numbers = models.CharField(
        _("Product numbers"), max_length=500, blank=True, help_text=_("Separated by commas.")
    )
    affected_value = models.DecimalField(
        _("Affected value (EUR)"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        max_digits=12,
        decimal_places=2,
    )
    requested_remedy = models.TextField(_("Requested remedy"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField(_("Received"), db_index=True)
    paused_since = models.DateTimeField(_("Waiting for the customer since"), null=True, blank=True)
    # The SLA as it applied when the complaint came in, and the deadlines computed from it.
    acknowledge_hours = models.PositiveIntegerField(_("Acknowledge within (business hours)"))
    resolve_hours = models.PositiveIntegerField(_("Resolve within (business hours)"))
    acknowledge_due = models.DateTimeField(_("Acknowledge by"))
    resolve_due = models.DateTimeField(_("Resolve by"), db_index=True)
    acknowledged_at = models.DateTimeField(_("Acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Closed"), null=True, blank=True)
    # Business hours the steps took (pauses excluded), stored once for the SLA statistics.
    hours_to_acknowledge = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, editable=False
    )
    hours_to_resolve = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, editable=False
    )
    # The resolution and the root cause: required to close.
    remedy_given = models.TextField(_("Remedy given"), blank=True)
    goodwill_amount = models.DecimalField(
        _("Goodwill amount (EUR)"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        max_digits=12,
        decimal_places=2,
    )
    credit_note_reference = models.CharField(_("Credit note reference"), max_length=100, blank=True)
    root_cause = models.ForeignKey(
        RootCause,
        verbose_name=_("Root cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    root_cause_note = models.TextField(_("Root cause analysis"), blank=True)
    # The effort booked on handling the complaint: where booked, DB IV prices these hours at
    # the customer-service rate instead of the handling cost by severity (kam.profitability).
    handling_hours = models.DecimalField(
        _("Handling effort (hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0"), message=HANDLING_HOURS_RANGE),
            MaxValueValidator(MAX_HANDLING_HOURS, message=HANDLING_HOURS_RANGE),
        ],
        help_text=_(
            "Hours spent handling the complaint, e.g. 2.5. Empty: not booked (the handling "
            "cost by severity applies)."
        ),
    )
    # The optional satisfaction question after closing.
    satisfaction_sent_at = models.DateTimeField(null=True, blank=True)
    satisfied = models.BooleanField(_("Customer satisfied"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("Customer comment"), blank=True)
    satisfaction_answered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Complaint")
        verbose_name_plural = _("Complaints")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["account", "received_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.paused_since is not None

    def missed_deadline(self, now: datetime) -> tuple[str, datetime] | None:
        """The deadline this complaint has missed, by the rule of `selectors.overdue_q`: the
        resolution's ("resolve") if it has passed, else the acknowledgement's ("acknowledge");
        None if neither. While waiting for the customer the clock stopped when the wait began."""
        if not self.is_open:
            return None
        moment = self.paused_since or now
        if self.resolve_due < moment:
            return ("resolve", self.resolve_due)
        if self.acknowledged_at is None and self.acknowledge_due < moment:
            return ("acknowledge", self.acknowledge_due)
        return None


class EventKind(models.TextChoices):
    CREATED = "created", _("Recorded")
    TRANSITION = "transition", _("Status changed")
    PAUSE = "pause", _("Waiting for the customer")
    RESUME = "resume", _("Customer answered")
    SURVEY = "survey", _("Satisfaction question sent")


class ComplaintEvent(models.Model):
    """One step in a complaint's life: who did what, when."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("Time"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(_("Event"), max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("Note"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class ComplaintPause(models.Model):
    """An interval in which the complaint waited for the customer; its time does not count."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gte=models.F("started_at")), name="pause_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}–{self.ended_at:%Y-%m-%d %H:%M}"


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("File"), upload_to=attachment_path, max_length=300, validators=[validate_attachment]
    )
    original_name = models.CharField(_("File name"), max_length=200)
    size = models.PositiveIntegerField(_("Size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


HOURS = [MinValueValidator(1), MaxValueValidator(2000)]


class SlaTemplate(models.Model):
    """The company's SLA for one account class and severity, in business hours."""

    account_status = models.CharField(
        _("Account class"), max_length=20, choices=KeyAccountStatus.choices
    )
    severity = models.CharField(_("Severity"), max_length=10, choices=Severity.choices)
    acknowledge_hours = models.PositiveIntegerField(
        _("Acknowledge within (hours)"), validators=HOURS
    )
    resolve_hours = models.PositiveIntegerField(_("Resolve within (hours)"), validators=HOURS)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("SLA template")
        verbose_name_plural = _("SLA templates")
        constraints = [
            models.UniqueConstraint(fields=["account_status", "severity"], name="one_sla_per_class")
        ]

    def __str__(self) -> str:
        return f"{self.get_account_status_display()} {self.get_severity_display()}"


class SlaOverride(models.Model):
    """What one customer has agreed instead of the company template."""

    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.CASCADE, related_name="sla_overrides"
    )
    severity = models.CharField(_("Severity"), max_length=10, choices=Severity.choices)
    acknowledge_hours = models.PositiveIntegerField(
        _("Acknowledge within (hours)"), validators=HOURS
    )
    resolve_hours = models.PositiveIntegerField(_("Resolve within (hours)"), validators=HOURS)
    note = models.CharField(_("Agreement"), max_length=200, blank=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("SLA agreement of a customer")
        verbose_name_plural = _("SLA agreements of customers")
        ordering = ["account__name", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["account", "severity"], name="one_sla_override")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.get_severity_display()}"


class ComplaintNotification(models.Model):
    """A warning or escalation that was sent; the unique key makes each one go out once."""

    key = models.CharField(max_length=120, unique=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notifications")
    level = models.CharField(max_length=20)
    recipients = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return self.key
