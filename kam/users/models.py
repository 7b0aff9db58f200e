from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    LEADERSHIP = "leadership", _("Sales leadership")
    KEY_ACCOUNT_MANAGER = "kam", _("Key account manager")
    FIELD_SALES = "field", _("Field sales")
    CUSTOMER_SERVICE = "service", _("Customer service")


class User(AbstractUser):
    """What a user may do is decided in kam.core.permissions, from the role and permissions."""

    role = models.CharField(
        _("Role"), max_length=20, choices=Role.choices, default=Role.KEY_ACCOUNT_MANAGER
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("Manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    language = models.CharField(
        _("Language"),
        max_length=5,
        blank=True,
        choices=[("", _("as in the browser")), ("de", "Deutsch"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")
        permissions = [("view_margins", _("Can see margins and contribution figures"))]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class AccessToken(models.Model):
    """A personal access token for the JSON API (`Authorization: Bearer kam_...`).

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when it is made.
    The token acts with its user's visibility and margin permission.
    """

    user = models.ForeignKey(
        User, verbose_name=_("User"), on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("Name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: The first characters of the secret, so that its owner can tell tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    scope = models.CharField(
        _("Scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("Expires"))
    revoked_at = models.DateTimeField(_("Revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("Last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Access token")
        verbose_name_plural = _("Access tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
