from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.audit import Source


class BulkEvent(models.Model):
    """One audit record for a bulk operation (an import, a mass update) instead of one per row."""

    created_at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices)
    action = models.CharField(_("Action"), max_length=100)
    summary = models.TextField(_("Summary"), blank=True)
    row_count = models.PositiveIntegerField(_("Rows"), default=0)
    account_ids = models.JSONField(_("Accounts affected"), default=list, blank=True)

    class Meta:
        verbose_name = _("Bulk change")
        verbose_name_plural = _("Bulk changes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} ({self.row_count})"


class ScheduledRun(models.Model):
    """One periodic job claimed for one period (see kam.core.scheduler)."""

    job = models.CharField(max_length=100)
    period = models.CharField(max_length=40)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_claim_per_job_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"


class WorkerHeartbeat(models.Model):
    """A `kam worker` that is alive writes `beat_at` every few seconds (kam.core.workers)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class Counter(models.Model):
    """The last number handed out of one kind (offers, complaints, prospects) in one year (0 for
    kinds numbered across the years); see kam.core.numbering."""

    kind = models.CharField(max_length=30)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_counter_per_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"
