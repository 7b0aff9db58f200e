"""Products, special conditions (Konditionsvereinbarungen), the approval policy and offers.

Prices are `Decimal` with two places (euros); the invoiced-price check compares them with the
sales lines' integer cents in SQL.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Stakeholder

MAX_GROUP_DEPTH = 3
_PRICE: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
_PERCENT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}
_NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
_PERCENT_RANGE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


# --- products


class ProductGroup(models.Model):
    """A node of the product group tree (Warengruppe), at most three levels deep."""

    name = models.CharField(_("Name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("Level"), default=1)

    class Meta:
        verbose_name = _("Product group")
        verbose_name_plural = _("Product groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="one_group_name_per_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="one_top_group_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A catalogue article (Artikel); the ERP's product number is the natural key."""

    number = models.CharField(_("Product number"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("Product group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("Unit"), max_length=20, default="Stk")
    list_price = models.DecimalField(_("List price"), validators=_NOT_NEGATIVE, **_PRICE)
    standard_cost = models.DecimalField(
        _("Standard cost"), null=True, blank=True, validators=_NOT_NEGATIVE, **_PRICE
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("Product")
        verbose_name_plural = _("Products")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class ProductImport(models.Model):
    """One catalogue import with its figures and rejected rows (line, column, reason)."""

    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    file_name = models.CharField(_("file"), max_length=255)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.JSONField(_("rejected rows"), default=list)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("Product import")
        verbose_name_plural = _("Product imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class ProductChange(models.Model):
    """What a later import changed on a known product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="changes")
    product_import = models.ForeignKey(
        ProductImport, null=True, on_delete=models.SET_NULL, related_name="changes"
    )
    at = models.DateTimeField(auto_now_add=True)
    old_values = models.JSONField()
    new_values = models.JSONField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.at:%Y-%m-%d}"


# --- agreements


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Approval requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")


class MfcScope(models.TextChoices):
    NONE = "", _("no most-favoured-customer clause")
    GROUP = "group", _("the same group")
    INDUSTRY = "industry", _("the same industry")
    ALL = "all", _("all accounts")


class Agreement(models.Model):
    """A special-conditions agreement (Konditionsvereinbarung) of an account or a group."""

    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("Title"), max_length=200)
    applies_to_members = models.BooleanField(
        _("Applies to the group's members"),
        default=False,
        help_text=_("The conditions apply to every account below this one in the group."),
    )
    valid_from = models.DateField(_("Valid from"))
    valid_to = models.DateField(_("Valid to"), null=True, blank=True)
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
        db_index=True,
    )
    payment_days = models.PositiveSmallIntegerField(_("Payment term (days)"), null=True, blank=True)
    cash_discount_percent = models.DecimalField(
        _("Cash discount (%)"), null=True, blank=True, validators=_PERCENT_RANGE, **_PERCENT
    )
    cash_discount_days = models.PositiveSmallIntegerField(
        _("Cash discount within (days)"), null=True, blank=True
    )
    free_delivery = models.BooleanField(_("Free delivery"), default=False)
    mfc_scope = models.CharField(
        _("Most-favoured-customer clause"),
        max_length=10,
        choices=MfcScope.choices,
        default=MfcScope.NONE,
        blank=True,
    )
    notes = models.TextField(_("Notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements_to_approve",
    )
    #: The price-relevant content when it was last approved (see services.price_fingerprint).
    approved_fingerprint = models.CharField(max_length=64, blank=True)
    source_offer = models.ForeignKey(
        "Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("Agreement")
        verbose_name_plural = _("Agreements")
        ordering = ["-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["account", "status"], name="agreement_account_status"),
            # The offer check looks up the few clauses of every account: a partial index.
            models.Index(
                fields=["status"], name="agreement_mfc", condition=~models.Q(mfc_scope="")
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LineKind(models.TextChoices):
    NET_PRICE = "net_price", _("Net price")
    DISCOUNT = "discount", _("Discount")
    SURCHARGE = "surcharge", _("Surcharge")


class ConditionLine(models.Model):
    """A price condition for one product, a product group or (neither) every product."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product,
        verbose_name=_("Product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="condition_lines",
    )
    product_group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("Product group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="condition_lines",
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=LineKind.choices)
    net_price = models.DecimalField(
        _("Net price"), null=True, blank=True, validators=_NOT_NEGATIVE, **_PRICE
    )
    percent = models.DecimalField(
        _("Percent"), null=True, blank=True, validators=_PERCENT_RANGE, **_PERCENT
    )

    class Meta:
        verbose_name = _("Condition line")
        verbose_name_plural = _("Condition lines")
        ordering = ["pk"]
        indexes = [models.Index(fields=["product"], name="condition_line_product")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.get_kind_display()}"


class ConditionTier(models.Model):
    """A volume tier (Staffel): from this quantity on, this net price or discount."""

    line = models.ForeignKey(ConditionLine, on_delete=models.CASCADE, related_name="tiers")
    from_quantity = models.DecimalField(_("From quantity"), max_digits=14, decimal_places=3)
    net_price = models.DecimalField(
        _("Net price"), null=True, blank=True, validators=_NOT_NEGATIVE, **_PRICE
    )
    percent = models.DecimalField(
        _("Discount (%)"), null=True, blank=True, validators=_PERCENT_RANGE, **_PERCENT
    )

    class Meta:
        ordering = ["from_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["line", "from_quantity"], name="one_tier_per_quantity")
        ]

    def __str__(self) -> str:
        return f"ab {self.from_quantity}"


class BonusTier(models.Model):
    """Annual bonus (Jahresbonus): from this revenue in a calendar year on, this percent."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="bonus_tiers")
    from_revenue = models.DecimalField(_("From annual revenue"), validators=_NOT_NEGATIVE, **_PRICE)
    percent = models.DecimalField(_("Bonus (%)"), validators=_PERCENT_RANGE, **_PERCENT)

    class Meta:
        ordering = ["from_revenue"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "from_revenue"], name="one_bonus_tier_per_revenue"
            )
        ]

    def __str__(self) -> str:
        return f"ab {self.from_revenue}: {self.percent} %"


class AgreementEvent(models.Model):
    """A status change of an agreement: who, when, from and to, and a comment."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    from_status = models.CharField(max_length=12, choices=AgreementStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=AgreementStatus.choices)
    comment = models.TextField(_("Comment"), blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.from_status} → {self.to_status}"


# --- approval authority


class AuthorityRule(models.Model):
    """What a role may grant on its own for accounts of an ABC class ('' = every class).

    Empty limits mean "no limit". The margin floor of a class is the highest floor any rule of
    that class names for the role; the offer check's `margin_floor` uses the class's rule with
    role '' (the company floor) when there is one.
    """

    role = models.CharField(_("Role"), max_length=20, blank=True)
    abc_class = models.CharField(_("ABC class"), max_length=1, blank=True)
    max_discount_percent = models.DecimalField(
        _("Maximum discount (%)"), null=True, blank=True, validators=_PERCENT_RANGE, **_PERCENT
    )
    margin_floor_percent = models.DecimalField(
        _("Margin floor (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
        **_PERCENT,
    )

    class Meta:
        verbose_name = _("Approval authority")
        verbose_name_plural = _("Approval authorities")
        ordering = ["role", "abc_class"]
        constraints = [
            models.UniqueConstraint(fields=["role", "abc_class"], name="one_rule_per_role_class")
        ]

    def __str__(self) -> str:
        return f"{self.role or '*'}/{self.abc_class or '*'}"


class AuthorityEvent(models.Model):
    """Audit of approvals and rejections (agreements and offers) and of policy changes."""

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject}"


# --- offers


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")


OPEN_OFFER_STATUSES = (
    OfferStatus.DRAFT,
    OfferStatus.IN_APPROVAL,
    OfferStatus.APPROVED,
    OfferStatus.SENT,
)


class Offer(models.Model):
    """An offer (Angebot) to an account."""

    number = models.CharField(_("Number"), max_length=20, unique=True, editable=False)
    account = models.ForeignKey(
        Account, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="offers"
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("Contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
    )
    title = models.CharField(_("Subject"), max_length=200)
    valid_until = models.DateField(_("Valid until"))
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=OfferStatus.choices,
        default=OfferStatus.DRAFT,
        db_index=True,
    )
    lost_reason = models.CharField(_("Reason"), max_length=200, blank=True)
    competitor = models.CharField(_("Competitor"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers_to_approve",
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("Offer")
        verbose_name_plural = _("Offers")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class OfferLine(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("Position"))
    product = models.ForeignKey(Product, verbose_name=_("Product"), on_delete=models.PROTECT)
    quantity = models.DecimalField(
        _("Quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    list_price = models.DecimalField(_("List price"), **_PRICE)
    price = models.DecimalField(_("Offered price"), validators=_NOT_NEGATIVE, **_PRICE)
    cost = models.DecimalField(_("Cost"), null=True, blank=True, **_PRICE)
    #: Why the proposed price is what it is (the resolution's explanation).
    price_source = models.CharField(_("Price source"), max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "position"], name="one_offer_line_per_pos")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}/{self.position}"

    @property
    def total(self) -> Decimal:
        return (self.price * self.quantity).quantize(Decimal("0.01"))

    @property
    def discount_percent(self) -> Decimal | None:
        if not self.list_price:
            return None
        return ((1 - self.price / self.list_price) * 100).quantize(Decimal("0.01"))

    @property
    def margin(self) -> Decimal | None:
        if self.cost is None:
            return None
        return ((self.price - self.cost) * self.quantity).quantize(Decimal("0.01"))

    @property
    def margin_percent(self) -> Decimal | None:
        if self.cost is None or not self.price:
            return None
        return ((self.price - self.cost) / self.price * 100).quantize(Decimal("0.01"))


class Severity(models.TextChoices):
    BLOCKS = "blocks", _("blocks sending")
    APPROVAL = "approval", _("needs approval")
    NOTE = "note", _("note")


class OfferFinding(models.Model):
    """One finding of the offer check, stored with the offer so a reviewer sees what was checked."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(_("Code"), max_length=30)
    position = models.PositiveIntegerField(_("Position"), null=True, blank=True)
    message = models.TextField(_("Finding"))
    severity = models.CharField(_("Severity"), max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.code} ({self.position})"


class OfferEvent(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    from_status = models.CharField(max_length=12, choices=OfferStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=OfferStatus.choices)
    comment = models.TextField(_("Comment"), blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.from_status} → {self.to_status}"


# --- invoiced prices against agreements


class AgreedPrice(models.Model):
    """The resolved agreed unit price per account, product and tier, for the set-based check of
    invoiced prices (refreshed by the nightly job from the active agreements)."""

    account_id_value = models.BigIntegerField(db_index=False)
    product_number = models.CharField(max_length=60)
    from_quantity = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    #: Where the next tier starts (None: no upper bound), so that a sales line finds its tier
    #: with one index lookup.
    to_quantity = models.DecimalField(max_digits=14, decimal_places=3, null=True)
    price_cents = models.BigIntegerField()
    valid_from = models.DateField()
    valid_to = models.DateField()
    agreement_id_value = models.BigIntegerField()

    class Meta:
        indexes = [
            # Covers the check's lookup: the sales line never reads the table row.
            models.Index(
                fields=[
                    "account_id_value",
                    "product_number",
                    "from_quantity",
                    "to_quantity",
                    "valid_from",
                    "valid_to",
                    "price_cents",
                ],
                name="agreed_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id_value}/{self.product_number}"


class PriceDeviation(models.Model):
    """Per account, product and month: invoice lines off the agreed price beyond the tolerance."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    product_number = models.CharField(max_length=60)
    month = models.DateField()
    overcharged_lines = models.PositiveIntegerField(default=0)
    overcharged_cents = models.BigIntegerField(default=0)
    undercharged_lines = models.PositiveIntegerField(default=0)
    undercharged_cents = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "account_id", "product_number"]
        indexes = [models.Index(fields=["account", "month"], name="deviation_account_month")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.product_number} {self.month:%Y-%m}"
