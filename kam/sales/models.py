"""Sales lines from ERP exports, the imports they came from, and monthly facts per account.

Money is stored as integer cents: sums in SQLite and PostgreSQL stay exact to the cent, and the
analytics read plain integer arrays. `Decimal` appears where a single amount is shown.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account
from kam.core.money import cents_to_decimal


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    INTERRUPTED = "interrupted", _("interrupted")


class ImportProfile(models.Model):
    """A saved column mapping (canonical field → heading in the file) for one ERP's exports."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SalesImport(models.Model):
    """One run of the importer over one or more files, with its figures."""

    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(_("source"), max_length=10, default="cli")
    files = models.JSONField(_("files"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # The latest dry run of a waiting upload, run in the worker: status (running, done,
    # failed), rows done and expected, and when done its report (kam import-sales --report).
    dry_run_result = models.JSONField(_("dry run result"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    rows_expected = models.PositiveIntegerField(_("rows expected"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    duplicates_in_file = models.PositiveIntegerField(_("duplicates in file"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    accounts_created = models.PositiveIntegerField(_("accounts created"), default=0)

    class Meta:
        verbose_name = _("sales import")
        verbose_name_plural = _("sales imports")
        ordering = ["-created_at"]
        permissions = [("run_import", _("Can import sales data"))]

    def __str__(self) -> str:
        return f"#{self.pk} {', '.join(self.file_names)}"

    @property
    def file_names(self) -> list[str]:
        return [str(entry.get("name", "")) for entry in self.files]

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, int(100 * self.rows / self.rows_expected))


class ImportRejection(models.Model):
    """A row the importer could not take, with where and why."""

    sales_import = models.ForeignKey(
        SalesImport, on_delete=models.CASCADE, related_name="rejections"
    )
    file = models.CharField(_("file"), max_length=255)
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=200, null=True, blank=True)
    value = models.TextField(_("value"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["sales_import", "file", "line"]

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.reason}"


class SalesLine(models.Model):
    """One invoice line (Rechnungsposition); the natural key is (invoice number, line number)."""

    # The (account, invoice_month, ...) index serves every lookup by account: no second index.
    # No foreign key constraints in the database on this table of millions of rows: checking
    # one per stored line doubled an import's time on PostgreSQL. The importer is the only
    # writer and takes each account id from the accounts table in the same statement; Django
    # still refuses to delete an account with lines (PROTECT).
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="sales_lines",
        db_index=False,
        db_constraint=False,
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    line_number = models.PositiveIntegerField(_("line"))
    invoice_date = models.DateField(_("invoice date"))
    invoice_month = models.DateField(_("month"))
    product_number = models.CharField(_("product number"), max_length=60, blank=True)
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=16, decimal_places=3, null=True, blank=True
    )
    net_revenue_cents = models.BigIntegerField(_("net revenue (cents)"))
    margin_cents = models.BigIntegerField(_("contribution margin (cents)"), null=True, blank=True)
    cost_cents = models.BigIntegerField(_("cost (cents)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    sales_rep = models.CharField(_("sales rep"), max_length=100, blank=True)
    # The ERP's optional cost figures of the line, where the export has them (mapped columns);
    # kam.profitability counts them into the service cost (DB IV).
    freight_cents = models.BigIntegerField(_("freight (cents)"), null=True, blank=True)
    packaging_cents = models.BigIntegerField(_("packaging (cents)"), null=True, blank=True)
    handling_cents = models.BigIntegerField(_("special handling (cents)"), null=True, blank=True)
    sales_import = models.ForeignKey(
        SalesImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The physical line of the file that brought the line in (the header is line 1), with
    # sales_import: where it came from, and how the importer finds the first line of a key that
    # repeats further down the same file without keeping the file's keys in memory.
    source_line = models.PositiveIntegerField(_("line in the file"), null=True, blank=True)

    class Meta:
        verbose_name = _("sales line")
        verbose_name_plural = _("sales lines")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_number", "line_number"], name="one_line_per_invoice_position"
            )
        ]
        indexes = [
            # (account, month) first for every lookup by account; the rest makes it cover the
            # invoiced-price check (conditions), which reads the lines in this order without
            # touching the table (a third of the time of a table scan with a lookup per line).
            models.Index(
                fields=[
                    "account",
                    "invoice_month",
                    "product_number",
                    "invoice_date",
                    "quantity",
                    "net_revenue_cents",
                ],
                name="line_account_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number}/{self.line_number}"

    @property
    def net_revenue(self) -> Decimal | None:
        return cents_to_decimal(self.net_revenue_cents)

    @property
    def margin(self) -> Decimal | None:
        return cents_to_decimal(self.margin_cents)


class SalesLineChange(models.Model):
    """An ERP correction: a known line that a later import brought with other values."""

    sales_import = models.ForeignKey(SalesImport, on_delete=models.CASCADE, related_name="changes")
    sales_line = models.ForeignKey(SalesLine, on_delete=models.CASCADE, related_name="changes")
    old_values = models.JSONField()
    new_values = models.JSONField()

    def __str__(self) -> str:
        return f"{self.sales_line} ({self.sales_import})"


class MonthlyFact(models.Model):
    """Per account and month: what the pages and the analytics read instead of sales lines."""

    # The unique (account, month) index serves every lookup by account: no second index.
    # Derived from the lines and written by the importer only: no constraint check per row
    # (see SalesLine.account); Django deletes an account's facts with it (CASCADE).
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="monthly_facts",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("month"))
    revenue_cents = models.BigIntegerField(default=0)
    margin_cents = models.BigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    invoice_count = models.PositiveIntegerField(default=0)
    purchase_days = models.PositiveIntegerField(default=0)
    first_purchase = models.DateField()
    last_purchase = models.DateField()
    # The sums of the lines' ERP cost figures (0 where the exports have none); a default in
    # the database too, for writers in SQL that do not know them.
    freight_cents = models.BigIntegerField(default=0, db_default=0)
    packaging_cents = models.BigIntegerField(default=0, db_default=0)
    handling_cents = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="one_fact_per_account_month")
        ]
        indexes = [models.Index(fields=["month"], name="fact_month")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"

    @property
    def revenue(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_cents)

    @property
    def margin(self) -> Decimal | None:
        return cents_to_decimal(self.margin_cents)
