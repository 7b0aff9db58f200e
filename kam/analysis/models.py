"""Analysis runs and their stored, dated per-account results; ratings, settings and proposals.

An `AnalysisRun` computes everything for one as-of date (see kam/analysis/engine.py) and stores
one `AccountResult` per account that bought anything before that date. Results are never
overwritten: "how did this account's class, score and forecast change" is a query over its
results ordered by run. Money is integer cents, as in kam.sales; shares and probabilities are
fractions (0..1); scores are 0–100.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from kam.accounts.models import Account, KeyAccountStatus
from kam.core.audit import AuditedModel
from kam.core.money import cents_to_decimal
from kam.core.texts import lines_in_active_language
from kam.sales import figures
from kam_analytics.scoring import DATA_CRITERIA, RATED_CRITERIA

PERCENT = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))]
WEIGHT = [MinValueValidator(0), MaxValueValidator(100)]


def _percent_field(label: Any, default: str) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, default=Decimal(default), validators=PERCENT
    )


def _weight_field(label: Any, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default, validators=WEIGHT)


class AnalysisSettings(models.Model):
    """The one set of thresholds and weights leadership configures (a singleton, pk=1).

    Limits are percent of the cumulative total (ABC) or of the portfolio total (dependency);
    XYZ limits are coefficients of variation. Weights are relative points: only their ratio
    matters, a weight of 0 leaves the criterion out of the score.
    """

    abc_a_limit = _percent_field(_("ABC: A up to (percent of the total)"), "80")
    abc_b_limit = _percent_field(_("ABC: B up to (percent of the total)"), "95")
    xyz_x_limit = models.DecimalField(
        _("XYZ: X up to coefficient of variation"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    xyz_y_limit = models.DecimalField(
        _("XYZ: Y up to coefficient of variation"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    dependency_revenue = _percent_field(_("Alert: one account above (percent of revenue)"), "10")
    dependency_margin = _percent_field(_("Alert: one account above (percent of margin)"), "15")
    dependency_top5 = _percent_field(_("Alert: top 5 above (percent of revenue or margin)"), "50")
    weight_revenue = _weight_field(_("Weight: revenue"), 20)
    weight_margin = _weight_field(_("Weight: margin"), 15)
    weight_growth = _weight_field(_("Weight: growth"), 10)
    weight_forecast = _weight_field(_("Weight: forecast"), 10)
    weight_probability_alive = _weight_field(_("Weight: probability of being active"), 5)
    weight_complaints = _weight_field(_("Weight: few complaints"), 5)
    #: DB IV per euro of revenue (kam.profitability): 0 until leadership weighs it.
    weight_profitability = _weight_field(_("Weight: profitability (DB IV margin)"), 0)
    #: Contact persons' attendance at events (kam.campaigns): 0 until leadership weighs it.
    weight_event_attendance = _weight_field(_("Weight: event attendance"), 0)
    weight_potential = _weight_field(_("Weight: potential"), 15)
    weight_share_of_wallet = _weight_field(_("Weight: share of wallet"), 0)
    weight_reference_value = _weight_field(_("Weight: reference value"), 5)
    weight_image_value = _weight_field(_("Weight: image value"), 5)
    weight_strategic_fit = _weight_field(_("Weight: strategic fit"), 10)
    weight_relationship_quality = _weight_field(_("Weight: relationship quality"), 5)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel])

    #: The score criteria, in the order of kam_analytics.scoring (data first, then ratings).
    CRITERIA = DATA_CRITERIA + RATED_CRITERIA

    class Meta:
        verbose_name = _("Analysis settings")
        verbose_name_plural = _("Analysis settings")

    def __str__(self) -> str:
        return str(_("Analysis settings"))

    def clean(self) -> None:
        errors = {}
        if self.abc_a_limit is not None and self.abc_b_limit is not None:
            if self.abc_a_limit > self.abc_b_limit:
                errors["abc_b_limit"] = _("The B limit must not be below the A limit.")
        if self.xyz_x_limit is not None and self.xyz_y_limit is not None:
            if self.xyz_x_limit > self.xyz_y_limit:
                errors["xyz_y_limit"] = _("The Y limit must not be below the X limit.")
        if not any(getattr(self, f"weight_{name}") for name in self.CRITERIA):
            errors["weight_revenue"] = _("At least one criterion needs a weight above 0.")
        if errors:
            raise ValidationError(errors)

    def weights(self) -> dict[str, float]:
        return {name: float(getattr(self, f"weight_{name}")) for name in self.CRITERIA}

    def snapshot(self) -> dict:
        """The values a run used, as JSON (stored on the run, so old runs stay explainable)."""
        return {
            "abc_a_limit": float(self.abc_a_limit) / 100,
            "abc_b_limit": float(self.abc_b_limit) / 100,
            "xyz_x_limit": float(self.xyz_x_limit),
            "xyz_y_limit": float(self.xyz_y_limit),
            "dependency_revenue": float(self.dependency_revenue) / 100,
            "dependency_margin": float(self.dependency_margin) / 100,
            "dependency_top5": float(self.dependency_top5) / 100,
            "weights": self.weights(),
        }


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class RunTrigger(models.TextChoices):
    IMPORT = "import", _("after an import")
    NIGHTLY = "nightly", _("nightly")
    MANUAL = "manual", _("started by hand")
    CLI = "cli", _("command line")
    DEMO = "demo", _("demo")


class AnalysisRun(models.Model):
    """One analysis for an as-of date: portfolio figures here, per-account figures in results.

    The trailing 12 months end with the last complete month on `as_of` (the month of as_of if
    it is the month's last day, else the month before). JSON fields:
    - `settings_snapshot`: AnalysisSettings.snapshot() at the start of the run;
    - `concentration`: {"revenue": {...}, "margin": {...}} with top1_share, top5_share,
      top10_share, hhi, gini (fractions);
    - `lorenz`: {"revenue": [[share of accounts, share of revenue], ...]} (≤ 101 points);
    - `alerts`: [{"kind": "dependency"|"top5", "account_id", "number", "name", "group",
      "measure", "share", "threshold"}, ...];
    - `abc_xyz`: {"AX": count, ..., "CZ": count} (ABC on revenue);
    - `fits`: the BG/NBD and Gamma-Gamma parameters, or {} when they did not apply;
    - `backtest`: optional out-of-sample figures (see `kam backtest`), else null.
    """

    as_of = models.DateField(_("as of"), db_index=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.CLI
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    settings_snapshot = models.JSONField(_("settings"), default=dict)
    account_count = models.PositiveIntegerField(_("accounts"), default=0)
    revenue_12m_cents = models.BigIntegerField(_("revenue, 12 months (cents)"), default=0)
    margin_12m_cents = models.BigIntegerField(_("margin, 12 months (cents)"), default=0)
    concentration = models.JSONField(_("concentration"), default=dict)
    lorenz = models.JSONField(_("Lorenz curve"), default=dict)
    alerts = models.JSONField(_("alerts"), default=list)
    abc_xyz = models.JSONField(_("ABC/XYZ matrix"), default=dict)
    fits = models.JSONField(_("model parameters"), default=dict)
    backtest = models.JSONField(_("backtest"), null=True, blank=True)
    #: The forecast's model choice: every candidate's backtest figures per horizon, the winner,
    #: the band's calibration, last year's forecast of the top accounts (analysis/prediction.py).
    forecast_choice = models.JSONField(_("forecast model choice"), default=dict, blank=True)
    #: Every account's revenue in each calendar period the results store sums of
    #: (`AccountResult.period_sums`), by `Period.key`; emptied when an import changes the facts
    #: after the run, so that nobody reads stale sums (the cockpit then reads the facts).
    period_totals = models.JSONField(_("revenue per calendar period"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Analysis run")
        verbose_name_plural = _("Analysis runs")
        ordering = ["-as_of", "-started_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def revenue_12m(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_12m_cents)

    @property
    def margin_12m(self) -> Decimal | None:
        return cents_to_decimal(self.margin_12m_cents)


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class XyzClass(models.TextChoices):
    X = "X", "X"
    Y = "Y", "Y"
    Z = "Z", "Z"


class Quadrant(models.TextChoices):
    STAR = "star", _("Star: invest and grow")
    QUESTION_MARK = "question_mark", _("Question mark: build up or decide")
    HARVEST = "harvest", _("Harvest: skim")
    WITHDRAW = "withdraw", _("Withdraw: reduce effort")


class AccountResult(models.Model):
    """One account's figures in one run. Written in bulk by the run; never changed afterwards.

    Columns that may be unknown are nullable: P(alive), expected transactions and CLV when the
    purchase models do not apply to the data; the score when no weighted criterion is known;
    `forecast_low/high_cents` are the 80 % band of the forecast (see kam_analytics.calibrated_band).
    """

    # No single-column indexes: the (run, account) and (account, run) indexes cover both keys,
    # and every index costs time when a run stores 100,000 rows.
    #: Reasons by product area, read from the lines when the result is shown (not stored):
    #: set by kam.analysis.selectors.with_area_reasons.
    area_reasons: tuple[dict, ...] | list[dict] = ()
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="analysis_results", db_index=False
    )
    revenue_12m_cents = models.BigIntegerField(_("revenue, 12 months"))
    margin_12m_cents = models.BigIntegerField(_("margin, 12 months"))
    revenue_prev_12m_cents = models.BigIntegerField(_("revenue, 12 months before"))
    abc_revenue = models.CharField(_("ABC (revenue)"), max_length=1, choices=AbcClass.choices)
    abc_margin = models.CharField(_("ABC (margin)"), max_length=1, choices=AbcClass.choices)
    xyz = models.CharField(_("XYZ"), max_length=1, choices=XyzClass.choices)
    rfm_recency = models.PositiveSmallIntegerField(_("RFM recency"))
    rfm_frequency = models.PositiveSmallIntegerField(_("RFM frequency"))
    rfm_monetary = models.PositiveSmallIntegerField(_("RFM monetary"))
    rfm_segment = models.CharField(_("RFM segment"), max_length=20)
    last_purchase = models.DateField(_("last purchase"))
    share_revenue = models.FloatField(_("share of revenue"))
    share_margin = models.FloatField(_("share of margin"))
    p_alive = models.FloatField(_("probability of being active"), null=True)
    expected_transactions_12m = models.FloatField(_("expected purchase days"), null=True)
    expected_revenue_12m_cents = models.BigIntegerField(_("forecast revenue, 12 months"))
    expected_margin_12m_cents = models.BigIntegerField(_("forecast margin, 12 months"))
    forecast_low_cents = models.BigIntegerField(null=True)
    forecast_high_cents = models.BigIntegerField(null=True)
    expected_revenue_3m_cents = models.BigIntegerField(
        _("forecast revenue, next quarter"), null=True
    )
    forecast_new_account = models.BooleanField(_("new account, little history"), default=False)
    forecast_riser = models.BooleanField(_("rises into the top group"), default=False)
    #: Reason codes with their figures, worded by kam/analysis/reasons.py.
    forecast_reasons = models.JSONField(_("reasons for the forecast"), default=list)
    clv_12m_cents = models.BigIntegerField(_("customer lifetime value, 12 months"), null=True)
    score = models.FloatField(_("score"), null=True)
    rank_today = models.PositiveIntegerField(_("rank today"))
    rank_tomorrow = models.PositiveIntegerField(_("rank tomorrow"))
    attractiveness = models.FloatField(_("customer attractiveness"), null=True)
    position = models.FloatField(_("our position"), null=True)
    quadrant = models.CharField(_("portfolio"), max_length=13, choices=Quadrant.choices, blank=True)
    status_proposal = models.CharField(
        _("proposed status"), max_length=20, choices=KeyAccountStatus.choices, blank=True
    )
    #: The account's sums in the calendar years and quarters a cockpit filter offers
    #: (`kam.sales.figures.calendar_periods` at the run's as-of date), stored ahead by the run:
    #: `{Period.key: [revenue, margin, revenue the same months a year before]}` in cents.
    #: Valid while the run's `period_totals` has the key (see there).
    period_sums = models.JSONField(_("sums per calendar period"), null=True, blank=True)

    class Meta:
        verbose_name = _("Account result")
        verbose_name_plural = _("Account results")
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="one_result_per_run_account")
        ]
        indexes = [
            models.Index(fields=["account", "run"], name="result_account_run"),
            # The cockpit's lists: tomorrow's top and the ABC list read a run in these orders.
            models.Index(fields=["run", "rank_tomorrow"], name="result_run_tomorrow"),
            models.Index(fields=["run", "-revenue_12m_cents"], name="result_run_revenue"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in run {self.run_id}"

    @property
    def revenue_12m(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_12m_cents)

    @property
    def margin_12m(self) -> Decimal | None:
        return cents_to_decimal(self.margin_12m_cents)

    @property
    def expected_revenue_12m(self) -> Decimal | None:
        return cents_to_decimal(self.expected_revenue_12m_cents)

    @property
    def expected_margin_12m(self) -> Decimal | None:
        return cents_to_decimal(self.expected_margin_12m_cents)

    @property
    def clv_12m(self) -> Decimal | None:
        return cents_to_decimal(self.clv_12m_cents)

    @property
    def expected_revenue_3m(self) -> Decimal | None:
        return cents_to_decimal(self.expected_revenue_3m_cents)

    @property
    def forecast_low(self) -> Decimal | None:
        return cents_to_decimal(self.forecast_low_cents)

    @property
    def forecast_high(self) -> Decimal | None:
        return cents_to_decimal(self.forecast_high_cents)

    @property
    def reason_texts(self) -> list[str]:
        """The stored reasons for the forecast in words, then the product areas' (plain text:
        templates escape it)."""
        from kam.analysis.reasons import reason_texts

        return reason_texts([*self.forecast_reasons, *self.area_reasons])

    @property
    def growth(self) -> float | None:
        """Revenue of the last 12 months against the 12 before (0.1 = +10 %)."""
        return figures.growth(self.revenue_12m_cents, self.revenue_prev_12m_cents)


RATING = [MinValueValidator(1), MaxValueValidator(5)]


def _rating_field(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True, validators=RATING)


class AccountRating(models.Model):
    """What the account team knows and the data cannot: ratings 1 (low) to 5 (high), or empty."""

    RATED_FIELDS = (
        "potential",
        "share_of_wallet",
        "reference_value",
        "image_value",
        "strategic_fit",
        "relationship_quality",
    )

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="rating")
    potential = _rating_field(_("Potential"))
    share_of_wallet = _rating_field(_("Share of wallet"))
    reference_value = _rating_field(_("Reference and recommendation value"))
    image_value = _rating_field(_("Image value"))
    strategic_fit = _rating_field(_("Strategic fit"))
    relationship_quality = _rating_field(_("Relationship quality"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = HistoricalRecords(bases=[AuditedModel])

    class Meta:
        verbose_name = _("Account rating")
        verbose_name_plural = _("Account ratings")

    def __str__(self) -> str:
        return str(self.account)


class ProposalState(models.TextChoices):
    OPEN = "open", _("open")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn (no longer proposed)")


#: Why the analysis proposes a status; stored as text, shown in the reader's language.
PROPOSAL_REASON = gettext_noop(
    "Score %(score).0f of 100, ABC class %(abc)s by revenue, rank %(rank)d today and "
    "%(tomorrow)d tomorrow."
)
#: The DB IV margin a proposal cites when the profitability criterion weighs in the score,
#: against the mean margin of the accounts of the same ABC class (one line below the reason).
PROFITABILITY_BELOW = gettext_noop(
    "DB IV margin %(margin).1f %% (below the average of the %(abc)s accounts, %(average).1f %%)."
)
PROFITABILITY_NOT_BELOW = gettext_noop(
    "DB IV margin %(margin).1f %% (not below the average of the %(abc)s accounts, "
    "%(average).1f %%)."
)
PROPOSAL_REASONS = (PROPOSAL_REASON, PROFITABILITY_BELOW, PROFITABILITY_NOT_BELOW)


class StatusProposal(models.Model):
    """A status change the qualification rule proposes, for a person to confirm or decline.

    A run opens a proposal only if none is open for the same change; open proposals that a later
    run no longer makes are withdrawn; a change declined in the last DECLINE_QUIET_DAYS is not
    proposed again (nobody wants to decline the same thing every night).
    """

    DECLINE_QUIET_DAYS = 180

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="status_proposals")
    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="proposals")
    from_status = models.CharField(
        _("current status"), max_length=20, choices=KeyAccountStatus.choices
    )
    to_status = models.CharField(
        _("proposed status"), max_length=20, choices=KeyAccountStatus.choices
    )
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ProposalState.choices,
        default=ProposalState.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("Status proposal")
        verbose_name_plural = _("Status proposals")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "state"], name="proposal_account_state")]

    def __str__(self) -> str:
        return f"{self.account}: {self.from_status} → {self.to_status}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language, whichever language the run wrote it in."""
        return lines_in_active_language(self.reason, PROPOSAL_REASONS)

    @property
    def is_upgrade(self) -> bool:
        order = list(KeyAccountStatus.values)
        return order.index(self.to_status) > order.index(self.from_status)
