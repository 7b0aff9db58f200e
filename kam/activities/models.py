"""Customer contacts (activities), contact cadence and account plans."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kam.accounts.models import Account, KeyAccountStatus, Stakeholder
from kam.core.audit import AuditedModel

#: No contact, plan, goal or review of a living customer relationship is dated before this: a
#: 1900 or 1970 is a default value or a typing error.
EARLIEST_DATE = datetime.date(1990, 1, 1)


def too_early(day: datetime.date | None) -> bool:
    return day is not None and day < EARLIEST_DATE


def too_early_message():
    return _("Dates before 01.01.1990 are not plausible.")


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting / event")
    PRESENTATION = "presentation", _("Offer presentation")
    NOTE = "note", _("Note")


#: Kinds that count as a contact with the customer; a note is only our own record.
CONTACT_KINDS = [kind for kind in ActivityKind.values if kind != ActivityKind.NOTE]


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    """One contact with a customer (Kundenkontakt): planned (Termin) or done."""

    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("Type"), max_length=20, choices=ActivityKind.choices)
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ActivityStatus.choices,
        default=ActivityStatus.DONE,
        db_index=True,
    )
    starts_at = models.DateTimeField(_("Date and time"), db_index=True)
    duration_minutes = models.PositiveIntegerField(
        _("Duration (minutes)"), default=60, validators=[MaxValueValidator(24 * 60)]
    )
    subject = models.CharField(_("Subject"), max_length=200)
    location = models.CharField(_("Location"), max_length=200, blank=True)
    outcome = models.TextField(_("Outcome"), blank=True)
    next_step = models.CharField(_("Next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("Next step due"), null=True, blank=True, db_index=True)
    next_step_done = models.BooleanField(_("Next step done"), default=False)
    next_step_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Responsible"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Our participants"),
        blank=True,
        related_name="activity_participations",
    )
    stakeholders = models.ManyToManyField(
        Stakeholder,
        verbose_name=_("Customer participants"),
        blank=True,
        related_name="activities",
    )
    plan_action = models.ForeignKey(
        "PlanAction",
        verbose_name=_("Account plan action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel], excluded_fields=["next_step_reminded_at"])

    class Meta:
        verbose_name = _("Activity")
        verbose_name_plural = _("Activities")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["account", "status", "kind", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        day = timezone.localdate(self.starts_at) if self.starts_at else None
        if too_early(day):
            errors["starts_at"] = too_early_message()
        elif day and self.status == ActivityStatus.DONE and day > timezone.localdate():
            errors["starts_at"] = _(
                "A contact that is done cannot lie in the future; plan it instead."
            )
        if self.next_step_due and day and self.next_step_due < day:
            errors["next_step_due"] = _("The next step cannot be due before the contact.")
        raise_errors(errors)


ACCOUNT_CLASSES = [
    *KeyAccountStatus.choices,
    ("abc_A", _("A customers (revenue)")),
    ("abc_B", _("B customers (revenue)")),
    ("abc_C", _("C customers (revenue)")),
]


class CadenceRule(models.Model):
    """The company-wide contact cadence for one account class (editable by leadership).

    A class is a key account status or an ABC class of revenue from the latest analysis; an
    account under both kinds of rule follows the stricter interval of each.
    """

    account_status = models.CharField(
        _("Account class"), max_length=20, choices=ACCOUNT_CLASSES, unique=True
    )
    visit_every_days = models.PositiveIntegerField(
        _("Visit every … days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    contact_every_days = models.PositiveIntegerField(
        _("Contact every … days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Contact cadence")
        verbose_name_plural = _("Contact cadences")
        ordering = ["account_status"]

    def __str__(self) -> str:
        return str(self.get_account_status_display())


class AccountCadence(models.Model):
    """An account's own cadence, replacing the company rule for its status."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="cadence_override"
    )
    visit_every_days = models.PositiveIntegerField(
        _("Visit every … days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no visit required."),
    )
    contact_every_days = models.PositiveIntegerField(
        _("Contact every … days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no contact required."),
    )
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Account cadence")
        verbose_name_plural = _("Account cadences")

    def __str__(self) -> str:
        return str(self.account)


class Requirement(models.TextChoices):
    VISIT = "visit", _("Visit")
    CONTACT = "contact", _("Contact")


class OverdueNotice(models.Model):
    """The notification for one overdue period: its start makes it unique, so it goes out once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="overdue_notices")
    requirement = models.CharField(_("Requirement"), max_length=10, choices=Requirement.choices)
    period_start = models.DateField(_("Overdue since"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    sent_at = models.DateTimeField(_("Sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("Overdue notice")
        verbose_name_plural = _("Overdue notices")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "requirement", "period_start"], name="one_notice_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.requirement} {self.period_start}"


class StakeholderRelationship(models.Model):
    """Who on our side owns the relationship with a stakeholder (coverage of the buying centre)."""

    stakeholder = models.OneToOneField(
        Stakeholder, on_delete=models.CASCADE, related_name="relationship"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Relationship owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stakeholder_relationships",
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Relationship owner")
        verbose_name_plural = _("Relationship owners")

    def __str__(self) -> str:
        return f"{self.stakeholder} → {self.owner}"


class CalendarFeed(models.Model):
    """A user's secret calendar URL: only the token's hash is kept; a new token revokes the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("Calendar feed")
        verbose_name_plural = _("Calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


# --- account plans


class PlanStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    ARCHIVED = "archived", _("Archived")


class AccountPlan(models.Model):
    """The account plan of a key account; one is current, earlier ones are archived."""

    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="plans"
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.CURRENT
    )
    title = models.CharField(_("Title"), max_length=200)
    valid_from = models.DateField(_("Valid from"))
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    situation = models.TextField(_("Situation"), blank=True)
    customer_strategy = models.TextField(_("The customer’s strategy"), blank=True)
    customer_needs = models.TextField(_("The customer’s needs"), blank=True)
    strengths = models.TextField(_("Strengths"), blank=True)
    weaknesses = models.TextField(_("Weaknesses"), blank=True)
    opportunities = models.TextField(_("Opportunities (SWOT)"), blank=True)
    threats = models.TextField(_("Threats"), blank=True)
    review_every_months = models.PositiveSmallIntegerField(
        _("Review every … months"), default=3, validators=[MinValueValidator(1)]
    )
    next_review_due = models.DateField(_("Next review due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Account plan")
        verbose_name_plural = _("Account plans")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="current"),
                name="one_current_plan_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if too_early(self.valid_from):
            errors["valid_from"] = too_early_message()
        if self.review_every_months is not None and not 1 <= self.review_every_months <= 36:
            errors["review_every_months"] = _("Review the plan every 1 to 36 months.")
        if too_early(self.next_review_due):
            errors["next_review_due"] = too_early_message()
        elif self.next_review_due and self.valid_from and self.next_review_due < self.valid_from:
            errors["next_review_due"] = _("The next review cannot lie before the plan starts.")
        raise_errors(errors)


class GoalKind(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    MARGIN = "margin", _("Margin")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet")


class PlanGoal(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("Goal"), max_length=20, choices=GoalKind.choices)
    target_value = models.DecimalField(
        _("Target"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Euro for revenue and margin, percent for share of wallet."),
    )
    target_date = models.DateField(_("Target date"))
    note = models.CharField(_("Note"), max_length=300, blank=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Goal")
        verbose_name_plural = _("Goals")
        ordering = ["target_date", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_value}"

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if self.target_value is not None and self.target_value < 0:
            errors["target_value"] = _("A goal cannot be negative.")
        elif (
            self.kind == GoalKind.SHARE_OF_WALLET
            and self.target_value is not None
            and self.target_value > Decimal(100)
        ):
            errors["target_value"] = _("A share of wallet lies between 0 and 100 %.")
        if too_early(self.target_date):
            errors["target_date"] = too_early_message()
        raise_errors(errors)


class Threat(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class PlanCompetitor(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(_("Competitor"), max_length=200)
    supplies = models.CharField(_("Supplies"), max_length=300, blank=True)
    share_percent = models.DecimalField(
        _("Share (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    threat = models.CharField(
        _("Threat"), max_length=10, choices=Threat.choices, default=Threat.MEDIUM
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Competitor")
        verbose_name_plural = _("Competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanOpportunity(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="opportunity_set")
    title = models.CharField(_("Opportunity"), max_length=200)
    estimated_revenue = models.DecimalField(
        _("Estimated revenue"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_by = models.DateField(_("Expected by"), null=True, blank=True)
    note = models.CharField(_("Note"), max_length=300, blank=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Opportunity")
        verbose_name_plural = _("Opportunities")
        ordering = ["expected_by", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if self.estimated_revenue is not None and self.estimated_revenue < 0:
            errors["estimated_revenue"] = _("An estimated revenue cannot be negative.")
        if too_early(self.expected_by):
            errors["expected_by"] = too_early_message()
        raise_errors(errors)


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlanAction(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(pgettext_lazy("account plan", "Action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_actions",
    )
    due_date = models.DateField(_("Due"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = pgettext_lazy("account plan", "Action")
        verbose_name_plural = _("Actions")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        raise_errors({"due_date": too_early_message()} if too_early(self.due_date) else {})


class PlanReview(models.Model):
    """A review meeting of the plan: what was achieved, short-term results, decisions."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(_("Held on"))
    achieved = models.TextField(_("Achieved against the goals"), blank=True)
    short_term_results = models.TextField(_("Short-term results"), blank=True)
    decisions = models.TextField(_("Decisions"), blank=True)
    revenue_actual = models.DecimalField(
        _("Revenue at review"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    margin_actual = models.DecimalField(
        _("Margin at review"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Plan review")
        verbose_name_plural = _("Plan reviews")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.held_on}"

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if too_early(self.held_on):
            errors["held_on"] = too_early_message()
        elif self.held_on and self.held_on > timezone.localdate():
            errors["held_on"] = _("A review that was held cannot lie in the future.")
        raise_errors(errors)
