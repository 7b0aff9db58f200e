from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The kinds kam's own apps send; `notify` accepts any short string, so a new app may add
    its own kind without a migration (it is shown with a neutral icon)."""

    OVERDUE_CONTACT = "overdue_contact", _("Contact overdue")
    NEXT_STEP = "next_step", _("Next step due")
    SLA_WARNING = "sla_warning", _("SLA warning")
    ESCALATION = "escalation", _("Escalation")
    PROPOSAL = "proposal", _("Status proposal")
    APPROVAL = "approval", _("Approval")
    MENTION = "mention", _("Mention")


ICONS = {
    Kind.OVERDUE_CONTACT: "bi-telephone-x",
    Kind.NEXT_STEP: "bi-flag",
    Kind.SLA_WARNING: "bi-hourglass-split",
    Kind.ESCALATION: "bi-exclamation-octagon",
    Kind.PROPOSAL: "bi-arrow-up-right-circle",
    Kind.APPROVAL: "bi-check2-square",
    Kind.MENTION: "bi-at",
}


class Notification(models.Model):
    """Something a user should look at, in their inbox until read.

    `key` makes a notification idempotent per recipient: a job that runs twice (or two workers
    at once) records it once, the database's unique constraint decides which write wins.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("Kind"), max_length=40)
    title = models.CharField(_("Title"), max_length=300)
    url = models.CharField(_("Link"), max_length=500, blank=True)
    key = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(_("Created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("Read"), null=True, blank=True)

    class Meta:
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
            )
        ]
        indexes = [
            # The bell's count: a recipient's unread rows, answered from the index alone.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def icon(self) -> str:
        return ICONS.get(self.kind, "bi-bell")  # type: ignore[call-overload]

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind


class NotificationPreference(models.Model):
    """A user's choice to get their notifications by mail as well (off unless they turn it on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    by_mail = models.BooleanField(_("Also send my notifications by mail"), default=False)

    class Meta:
        verbose_name = _("Notification setting")
        verbose_name_plural = _("Notification settings")

    def __str__(self) -> str:
        return str(self.user)
