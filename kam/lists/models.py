from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A user's named view of the account list: its filters, columns and sort as the query
    string of the list's URL (so opening it is opening that URL)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("Name"), max_length=80)
    query = models.CharField(_("Filters, columns and sort"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Saved view")
        verbose_name_plural = _("Saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name
