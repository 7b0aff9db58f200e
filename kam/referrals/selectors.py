"""Reads of referrals and references, always through `accounts_visible_to(user)`.

The value of a referral is read from the sales facts of the referred account through the one
facts reader (kam.sales.figures) and attributed by kam_analytics.multipliers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.accounts.selectors import accounts_visible_to
from kam.core.money import cents_to_decimal
from kam.referrals.models import (
    OPEN_STATUSES,
    ReferenceOutcome,
    ReferenceProfile,
    ReferenceRequest,
    Referral,
    ReferralStatus,
)
from kam.sales import figures
from kam_analytics.multipliers import Attributed, MonthSum, ReferralLink, attribute

#: A reference asked within this many days is "asked recently" (the fatigue guard).
RECENTLY_ASKED_DAYS = 30


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Referrals of which the user sees at least one side (the other may be shown anonymised)."""
    visible = accounts_visible_to(user).values("id")
    return Referral.objects.filter(
        Q(referring_account__in=visible) | Q(referred_account__in=visible)
    ).select_related("referring_account", "referred_account", "referring_stakeholder", "owner")


def referral_for(user, pk: int) -> Referral | None:
    return referrals_visible_to(user).filter(pk=pk).first()


def referral_list(user, *, status: str = "", q: str = "") -> QuerySet[Referral]:
    referrals = referrals_visible_to(user)
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    elif status == "open":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    if q:
        referrals = referrals.filter(
            Q(referring_account__name__icontains=q) | Q(referred_account__name__icontains=q)
        )
    return referrals.order_by("-received_on", "-pk")


def follow_up_days() -> int:
    return settings.KAM_REFERRAL_FOLLOW_UP_DAYS


def referrals_waiting(user, *, days: int | None = None) -> QuerySet[Referral]:
    """Open referrals whose status has not moved for more than `days` days (by default
    `KAM_REFERRAL_FOLLOW_UP_DAYS`)."""
    cutoff = timezone.now() - timedelta(days=follow_up_days() if days is None else days)
    return referral_list(user, status="open").filter(status_changed_at__lt=cutoff)


@dataclass(frozen=True)
class MultiplierValue:
    """What an account's referrals brought: counts and the attributed business."""

    window: figures.Window
    referrals: int
    converted: int
    revenue_window_cents: int
    margin_window_cents: int
    revenue_total_cents: int
    margin_total_cents: int

    @property
    def revenue_window(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_window_cents)

    @property
    def margin_window(self) -> Decimal | None:
        return cents_to_decimal(self.margin_window_cents)

    @property
    def revenue_total(self) -> Decimal | None:
        return cents_to_decimal(self.revenue_total_cents)

    @property
    def margin_total(self) -> Decimal | None:
        return cents_to_decimal(self.margin_total_cents)


def _links(referrals) -> list[ReferralLink]:
    return [
        ReferralLink(
            referrer=r.referring_account_id,
            referred=r.referred_account_id,
            from_month=figures.month_index(r.received_on),
            converted=r.status == ReferralStatus.CUSTOMER,
        )
        for r in referrals
    ]


def multiplier_values(
    *, as_of: date, referrer_ids: list[int] | None = None
) -> dict[int, MultiplierValue]:
    """Every referring account's multiplier value as of a date (lost referrals bring nothing;
    a company referred by several accounts is split equally among them), or only those of
    `referrer_ids`."""
    window = figures.window_as_of(as_of)
    counted = Referral.objects.exclude(status=ReferralStatus.LOST)
    referrals = (
        counted if referrer_ids is None else counted.filter(referring_account__in=referrer_ids)
    )
    links = _links(
        referrals.only("referring_account_id", "referred_account_id", "received_on", "status")
    )
    if not links:
        return {}
    referred = sorted({link.referred for link in links})
    if referrer_ids is not None:
        links += _shares_of_others(counted, referred, referrer_ids)
    sums = figures.monthly_sums(referred, last_month=window.last_month)
    month_sums = {
        account_id: [
            MonthSum(figures.month_index(m.month), m.revenue_cents, m.margin_cents) for m in months
        ]
        for account_id, months in sums.items()
    }
    attributed = attribute(
        links,
        month_sums,
        window_first=figures.month_index(window.first_month),
        window_last=figures.month_index(window.last_month),
    )
    wanted = (
        attributed
        if referrer_ids is None
        else {i: attributed[i] for i in referrer_ids if i in attributed}
    )
    return {account_id: _value(window, a) for account_id, a in wanted.items()}


def _shares_of_others(counted, referred: list[int], referrer_ids: list[int]) -> list[ReferralLink]:
    """The other referrers of the same companies: they take their equal share."""
    others = counted.filter(referred_account__in=referred).exclude(
        referring_account__in=referrer_ids
    )
    return _links(
        others.only("referring_account_id", "referred_account_id", "received_on", "status")
    )


def _value(window: figures.Window, a: Attributed) -> MultiplierValue:
    return MultiplierValue(
        window,
        a.referrals,
        a.converted,
        a.revenue_window_cents,
        a.margin_window_cents,
        a.revenue_total_cents,
        a.margin_total_cents,
    )


def multiplier_value(account: Account, *, as_of: date) -> MultiplierValue:
    found = multiplier_values(as_of=as_of, referrer_ids=[account.pk]).get(account.pk)
    return found or MultiplierValue(figures.window_as_of(as_of), 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class AccountReferrals:
    given: list[Referral]
    received: list[Referral]
    value: MultiplierValue


def account_referrals(account: Account, *, as_of: date) -> AccountReferrals:
    """Whom the account referred and who referred it (the account is visible to the viewer;
    the other side of each referral is shown as the viewer may see it: `party_name`)."""
    related = Referral.objects.select_related(
        "referring_account", "referred_account", "referring_stakeholder", "owner"
    )
    both = list(related.filter(Q(referring_account=account) | Q(referred_account=account)))
    given = [r for r in both if r.referring_account_id == account.pk]
    empty = MultiplierValue(figures.window_as_of(as_of), 0, 0, 0, 0, 0, 0)
    return AccountReferrals(
        given=given,
        received=[r for r in both if r.referred_account_id == account.pk],
        value=multiplier_value(account, as_of=as_of) if given else empty,
    )


def party_name(account: Account, visible_ids: set[int]) -> str:
    """The account's name, or "another customer" when the viewer may not see it."""
    return account.name if account.pk in visible_ids else _("another customer")


# --- the referral network


def _account_url(pk: int) -> str:
    return reverse("accounts:detail", kwargs={"pk": pk})


def referral_network(user) -> dict:
    """Nodes and edges of who referred whom, for the graph and the table beside it. Accounts the
    user may not see appear as "another customer" without a link or number."""
    referrals = list(referrals_visible_to(user))
    ids = {r.referring_account_id for r in referrals} | {r.referred_account_id for r in referrals}
    visible = set(accounts_visible_to(user).filter(id__in=ids).values_list("id", flat=True))
    nodes: dict[int, dict] = {}
    for r in referrals:
        for account in (r.referring_account, r.referred_account):
            if account.pk not in nodes:
                nodes[account.pk] = {
                    "id": str(account.pk) if account.pk in visible else f"x{len(nodes)}",
                    "name": party_name(account, visible),
                    "url": _account_url(account.pk) if account.pk in visible else "",
                    "referrals": 0,
                }
        nodes[r.referring_account_id]["referrals"] += 1
    edges = [
        {
            "source": nodes[r.referring_account_id]["id"],
            "target": nodes[r.referred_account_id]["id"],
            "status": r.get_status_display(),
        }
        for r in referrals
    ]
    rows = [
        {
            "source": nodes[r.referring_account_id],
            "target": nodes[r.referred_account_id],
            "status": r.get_status_display(),
        }
        for r in referrals
    ]
    return {"kind": "network", "nodes": list(nodes.values()), "edges": edges, "rows": rows}


# --- references


def reference_profile(account: Account) -> ReferenceProfile | None:
    return ReferenceProfile.objects.filter(account=account).first()


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def reference_warnings(account: Account, *, kind: str, on: date) -> list[str]:
    """The fatigue guard: why asking this reference now may be too much (empty when fine)."""
    profile = reference_profile(account)
    if profile is None:
        return [_("The customer has no reference profile.")]
    warnings = []
    if kind and not profile.permits(kind):
        warnings.append(_("The customer has not permitted this kind of reference."))
    if profile.valid_until and profile.valid_until < on:
        warnings.append(
            _("The reference permission expired on %(date)s.")
            % {"date": profile.valid_until.strftime("%d.%m.%Y")}
        )
    asked = ReferenceRequest.objects.filter(reference=account).exclude(
        outcome=ReferenceOutcome.DECLINED
    )
    used = asked.filter(requested_on__gte=quarter_start(on), requested_on__lte=on).count()
    if used >= profile.max_uses_per_quarter:
        warnings.append(
            _("Already asked %(used)s times this quarter (at most %(max)s agreed).")
            % {"used": used, "max": profile.max_uses_per_quarter}
        )
    recent = asked.filter(requested_on__gt=on - timedelta(days=RECENTLY_ASKED_DAYS)).first()
    if recent is not None:
        warnings.append(
            _("Last asked on %(date)s.") % {"date": recent.requested_on.strftime("%d.%m.%Y")}
        )
    return warnings


def reference_search(user, *, kind: str = "", industry: str = "", region: str = "", on: date):
    """Visible reference customers that permit `kind`, by industry and postal region (the
    first digits of the postal code), with their fatigue warnings."""
    profiles = ReferenceProfile.objects.filter(
        account__in=accounts_visible_to(user).values("id")
    ).select_related("account")
    if kind:
        profiles = profiles.filter(**{f"permits_{kind}": True})
    if industry:
        profiles = profiles.filter(account__industry__icontains=industry)
    if region:
        profiles = profiles.filter(account__postal_code__startswith=region)
    profiles = profiles.exclude(valid_until__lt=on).order_by("account__name")
    return [
        (profile, reference_warnings(profile.account, kind=kind, on=on))
        for profile in profiles[:200]
    ]


@dataclass(frozen=True)
class ReferenceValue:
    served: int
    won: int


def reference_values() -> dict[int, ReferenceValue]:
    """Per reference customer: requests it served (not declined) and deals they helped win."""
    values: dict[int, list[int]] = {}
    for account_id, outcome in ReferenceRequest.objects.values_list("reference_id", "outcome"):
        served, won = values.setdefault(account_id, [0, 0]), outcome == ReferenceOutcome.WON
        if outcome != ReferenceOutcome.DECLINED:
            served[0] += 1
        served[1] += int(won)
    return {account_id: ReferenceValue(*counts) for account_id, counts in values.items()}


def account_reference_requests(account: Account) -> list[ReferenceRequest]:
    return list(ReferenceRequest.objects.filter(reference=account).select_related("requested_by"))
