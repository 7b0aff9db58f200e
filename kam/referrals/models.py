"""Referrals (Empfehlungen): who brought whom to us, and what that brought.

A referral links a referring account (optionally one of its stakeholders) to a referred
account: an existing customer or a prospect (Interessent) created from the referral. Its status
moves received -> contacted -> offer -> customer or lost; every move is logged. What a referral is
worth is read from the sales facts of the referred account (kam.referrals.selectors), never typed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    CONTACTED = "contacted", _("contacted")
    OFFER = "offer", _("offer made")
    CUSTOMER = "customer", _("became a customer")
    LOST = "lost", _("lost")


#: The moves a referral may make; a lost referral can be taken up again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.RECEIVED: (ReferralStatus.CONTACTED, ReferralStatus.LOST),
    ReferralStatus.CONTACTED: (ReferralStatus.OFFER, ReferralStatus.CUSTOMER, ReferralStatus.LOST),
    ReferralStatus.OFFER: (ReferralStatus.CUSTOMER, ReferralStatus.LOST),
    ReferralStatus.CUSTOMER: (),
    ReferralStatus.LOST: (ReferralStatus.CONTACTED,),
}
OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.OFFER)


class ReferralChannel(models.TextChoices):
    PERSONAL = "personal", _("in person")
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")
    EVENT = "event", _("event or trade fair")
    OTHER = "other", _("other")


class Referral(models.Model):
    referring_account = models.ForeignKey(
        Account,
        verbose_name=_("Referred by (account)"),
        on_delete=models.CASCADE,
        related_name="referrals_given",
    )
    referring_stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("Referred by (person)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_given",
    )
    referred_account = models.ForeignKey(
        Account,
        verbose_name=_("Referred company"),
        on_delete=models.CASCADE,
        related_name="referrals_received",
    )
    received_on = models.DateField(_("Received on"))
    channel = models.CharField(
        _("Channel"),
        max_length=20,
        choices=ReferralChannel.choices,
        default=ReferralChannel.PERSONAL,
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECEIVED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("Status changed"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Followed up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_owned",
    )
    #: The referred company was created from this referral as a prospect (Interessent).
    created_prospect = models.BooleanField(_("Created as prospect"), default=False)
    notes = models.TextField(_("Notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Referral")
        verbose_name_plural = _("Referrals")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referring_account", "referred_account"], name="referral_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(referring_account=models.F("referred_account")),
                name="referral_not_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referring_account} → {self.referred_account}"

    def clean(self) -> None:
        errors = {}
        if self.referring_account_id and self.referring_account_id == self.referred_account_id:
            errors["referred_account"] = _("An account cannot refer itself.")
        stakeholder = self.referring_stakeholder
        if stakeholder is not None and stakeholder.account_id != self.referring_account_id:
            errors["referring_stakeholder"] = _(
                "The person must be a stakeholder of the referring account."
            )
        if self.received_on is not None and self.received_on.year < 1990:
            errors["received_on"] = _("Please enter a date from 1990 on.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReferralEvent(models.Model):
    """One logged move of a referral: who, when, from and to which status, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '–'} → {self.to_status}"


class ReferenceType(models.TextChoices):
    LOGO = "logo", _("logo on our website")
    CASE_STUDY = "case_study", _("case study")
    CALL = "call", _("reference call")
    VISIT = "visit", _("site visit")
    PRESS = "press", _("press release")


class ReferenceProfile(models.Model):
    """What a reference customer (Referenzkunde) permits, and how often it may be asked."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="reference_profile"
    )
    permits_logo = models.BooleanField(_("Logo on our website"), default=False)
    permits_case_study = models.BooleanField(_("Case study"), default=False)
    permits_call = models.BooleanField(_("Reference call"), default=False)
    permits_visit = models.BooleanField(_("Site visit"), default=False)
    permits_press = models.BooleanField(_("Press release"), default=False)
    stakeholders = models.ManyToManyField(
        Stakeholder, verbose_name=_("Reference persons"), blank=True, related_name="+"
    )
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    max_uses_per_quarter = models.PositiveSmallIntegerField(
        _("At most asked per quarter"), default=2
    )
    notes = models.TextField(_("Notes"), blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("Reference profile")
        verbose_name_plural = _("Reference profiles")

    def __str__(self) -> str:
        return str(self.account)

    def permits(self, kind: str) -> bool:
        return bool(getattr(self, f"permits_{kind}", False))

    @property
    def permitted_types(self) -> list[str]:
        return [kind for kind in ReferenceType.values if self.permits(kind)]

    @property
    def permitted_labels(self) -> list[str]:
        return [str(ReferenceType(kind).label) for kind in self.permitted_types]

    def clean(self) -> None:
        if self.max_uses_per_quarter is not None and not 1 <= self.max_uses_per_quarter <= 50:
            raise ValidationError(
                {"max_uses_per_quarter": _("Please enter between 1 and 50 uses per quarter.")}
            )


class ReferenceOutcome(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("deal won")
    LOST = "lost", _("deal lost")
    DECLINED = "declined", _("reference declined")


class ReferenceRequest(models.Model):
    """A reference customer asked to speak for us to a prospect (a reference use)."""

    reference = models.ForeignKey(
        Account,
        verbose_name=_("Reference customer"),
        on_delete=models.CASCADE,
        related_name="reference_requests",
    )
    prospect = models.CharField(_("For prospect or offer"), max_length=200)
    kind = models.CharField(_("Type"), max_length=20, choices=ReferenceType.choices)
    requested_on = models.DateField(_("Asked on"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(
        _("Outcome"), max_length=20, choices=ReferenceOutcome.choices, default=ReferenceOutcome.OPEN
    )
    feedback = models.TextField(_("Feedback of the reference"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Reference request")
        verbose_name_plural = _("Reference requests")
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference} → {self.prospect}"

    def clean(self) -> None:
        if self.requested_on is not None and self.requested_on.year < 1990:
            raise ValidationError({"requested_on": _("Please enter a date from 1990 on.")})


# --- potential, whitespace and competitors


class Competitor(models.Model):
    name = models.CharField(_("Name"), max_length=200, unique=True)
    website = models.URLField(_("Website"), blank=True)
    strengths = models.TextField(_("Strengths"), blank=True)
    weaknesses = models.TextField(_("Weaknesses"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Competitor")
        verbose_name_plural = _("Competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductGroupFact(models.Model):
    """Revenue and margin per account, top-level product group and month: derived from the sales
    lines and the product catalogue by `refresh_product_group_facts` (after every import and
    nightly), read by the potential pages instead of the lines."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    product_group = models.ForeignKey(
        "conditions.ProductGroup", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.DateField()
    revenue_cents = models.BigIntegerField(default=0)
    margin_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "product_group", "month"], name="one_group_fact_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.product_group_id}/{self.month}"


class WhitespaceCell(models.Model):
    """What the account team knows about one account in one product group: a potential they
    estimated, the competitor there, and whether the business is blocked for now."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="whitespace")
    product_group = models.ForeignKey(
        "conditions.ProductGroup", on_delete=models.CASCADE, related_name="+"
    )
    potential_estimate = models.DecimalField(
        _("Potential per year (estimated)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    estimate_note = models.CharField(_("Basis of the estimate"), max_length=300, blank=True)
    estimated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    estimated_on = models.DateField(null=True, blank=True)
    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("Competitor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="positions",
    )
    competitor_share = models.DecimalField(
        _("Competitor's share (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    contract_end = models.DateField(_("Competitor's contract ends"), null=True, blank=True)
    blocked_reason = models.CharField(_("Blocked because"), max_length=300, blank=True)
    blocked_until = models.DateField(_("Blocked until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "product_group"], name="one_whitespace_cell")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.product_group_id}"

    def clean(self) -> None:
        errors = {}
        if self.potential_estimate is not None and self.potential_estimate < 0:
            errors["potential_estimate"] = _("The potential cannot be negative.")
        share = self.competitor_share
        if share is not None and not 0 <= share <= 100:
            errors["competitor_share"] = _("Please enter a share between 0 and 100 %.")
        if self.blocked_until and not self.blocked_reason.strip():
            errors["blocked_reason"] = _("Please say why the business is blocked.")
        for name in ("contract_end", "blocked_until"):
            day = getattr(self, name)
            if day is not None and day.year < 1990:
                errors[name] = _("Please enter a date from 1990 on.")
        if errors:
            raise ValidationError(errors)
