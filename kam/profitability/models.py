"""Cost rates with validity periods, the care entitlement per account class, and the stored
contribution-margin statement per account and month (DB I to DB IV).

Rates are valid for whole months: the statement is monthly, and the rate valid on an activity's
date is the rate of its month. `valid_from` and `valid_until` are both the first day of a month
(the first and the last month the rates apply to). Sets of rates may not overlap
(kam.profitability.services).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kam.accounts.models import Account, KeyAccountStatus
from kam.core.audit import AuditedModel

EARLIEST_MONTH = datetime.date(1990, 1, 1)
MINUTES = [MinValueValidator(0), MaxValueValidator(24 * 60)]
AMOUNT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100000"))]


def _minutes(label, default: int, help_text=""):
    return models.PositiveIntegerField(
        label, default=default, validators=MINUTES, help_text=help_text
    )


def _amount(label, default: str, help_text=""):
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=2,
        default=Decimal(default),
        validators=AMOUNT,
        help_text=help_text,
    )


def month_label(day: datetime.date) -> str:
    return date_format(day, "m/Y")


class CostRates(models.Model):
    """One set of cost rates and the months it is valid for (Kostensätze)."""

    valid_from = models.DateField(_("Valid from (month)"))
    valid_until = models.DateField(
        _("Valid until (month)"), null=True, blank=True, help_text=_("Empty: without an end.")
    )
    # Standard durations per kind of contact, in minutes.
    visit_minutes = _minutes(_("Visit"), 90)
    visit_travel_minutes = _minutes(_("Travel time per visit"), 60)
    phone_minutes = _minutes(_("Phone call"), 15)
    video_minutes = _minutes(_("Video call"), 30)
    meeting_minutes = _minutes(_("Meeting / event"), 180)
    presentation_minutes = _minutes(_("Offer presentation"), 90)
    email_minutes = _minutes(_("Email"), 10)
    offer_preparation_minutes = _minutes(
        _("Preparing an offer"), 120, _("Counted once per offer presented.")
    )
    # Hourly rates per role, in euros.
    hourly_rate_kam = _amount(_("Key account manager"), "85.00")
    hourly_rate_field = _amount(_("Field sales"), "70.00")
    hourly_rate_service = _amount(_("Customer service"), "55.00")
    hourly_rate_specialist = _amount(
        _("Specialist / leadership"), "95.00", _("Everyone else, e.g. sales leadership.")
    )
    # Handling cost per complaint by severity, in euros.
    complaint_low = _amount(_("Complaint, low"), "40.00")
    complaint_medium = _amount(_("Complaint, medium"), "120.00")
    complaint_high = _amount(_("Complaint, high"), "350.00")
    complaint_critical = _amount(_("Complaint, critical"), "900.00")
    # Optional logistics and handling, from the invoices and lines the ERP export brought.
    invoice_handling = _amount(
        _("Handling per invoice"), "0.00", _("0 = not counted. Order processing, invoicing.")
    )
    line_logistics = _amount(
        _("Logistics per invoice line"), "0.00", _("0 = not counted. Picking, packing, freight.")
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Cost rates")
        verbose_name_plural = _("Cost rates")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return _("Cost rates %(period)s") % {"period": self.period_label}

    @property
    def period_label(self) -> str:
        until = month_label(self.valid_until) if self.valid_until else _("open end")
        return f"{month_label(self.valid_from)} – {until}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.valid_from and self.valid_from < EARLIEST_MONTH:
            errors["valid_from"] = _("Months before 01/1990 are not plausible.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end cannot lie before the start.")
        if errors:
            raise ValidationError(errors)

    def covers(self, month: datetime.date) -> bool:
        return self.valid_from <= month and (self.valid_until is None or month <= self.valid_until)


class CareEntitlement(models.Model):
    """The share of DB I that care for an account of a class may cost (Betreuungsbudget)."""

    account_status = models.CharField(
        _("Account class"), max_length=20, choices=KeyAccountStatus.choices, unique=True
    )
    share_percent = models.DecimalField(
        _("Care may cost (% of DB I)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Care entitlement")
        verbose_name_plural = _("Care entitlements")
        ordering = ["account_status"]

    def __str__(self) -> str:
        return f"{self.get_account_status_display()}: {self.share_percent} %"


class AccountStatement(models.Model):
    """An account's contribution-margin statement of one month, in cents: the facts the pages,
    exports and the API read. Written only by kam.profitability.services."""

    # One statement per account and month, and that pair is its key: no id of its own, whose
    # column, sequence and index a recomputation of millions of statements had to fill too
    # (PostgreSQL: building its index took 1.2 s of a core after every fill; the fill's index
    # phase went from 3.7-4.1 to 3.1 s, kam.profitability.fill).
    pk = models.CompositePrimaryKey("account_id", "month")
    # Derived facts written by the million: no foreign-key check in the database for each row
    # (a third of the time PostgreSQL took to write them); deleting an account through kam
    # deletes its statements (on_delete), and a recomputation removes any other left over.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(_("month"))
    revenue_cents = models.BigIntegerField(default=0)
    db1_cents = models.BigIntegerField(default=0)
    condition_cost_cents = models.BigIntegerField(default=0)
    care_cost_cents = models.BigIntegerField(default=0)
    service_cost_cents = models.BigIntegerField(default=0)
    # Of the service cost: the ERP's freight, packaging and special handling of the month's
    # lines (kam.sales' optional cost columns); a default in the database for writers in SQL.
    erp_cost_cents = models.BigIntegerField(default=0, db_default=0)
    db2_cents = models.BigIntegerField(default=0)
    db3_cents = models.BigIntegerField(default=0)
    db4_cents = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"], name="statement_month")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"


class CostDriverFact(models.Model):
    """The recorded cost drivers of an account in a month (contacts by kind and role, offers,
    complaints by severity or by the hours booked on them), summed per kind, detail and role:
    what the statements price, so a recomputation reads these few rows instead of every
    activity and complaint. Kept current by kam.profitability.drivers when an app reports a
    change (`cost_drivers_changed`), rebuilt from the apps' queries by the nightly repair."""

    # As for the statements: no foreign-key check in the database for each row.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month_index = models.IntegerField(help_text="year x 12 + month - 1")
    kind = models.CharField(max_length=40)
    detail = models.CharField(max_length=40)
    role = models.CharField(max_length=40)
    quantity = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month_index", "kind", "detail", "role"],
                name="one_driver_fact_per_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month_index} {self.kind} {self.detail} {self.role}"


class StatementRefresh(models.Model):
    """The one row every refresh of the statements locks (so that a full recomputation and an
    incremental update never interleave) and where the last full recomputation is recorded."""

    finished_at = models.DateTimeField(null=True, blank=True)
    first_month = models.DateField(null=True, blank=True)
    last_month = models.DateField(null=True, blank=True)
    statements = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.first_month}–{self.last_month}"
