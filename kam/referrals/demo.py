"""Demo referrals and references for `kam demo`: customers won through referrals of key
accounts (so multiplier values come out of the sales), open referrals to prospects (some
waiting for follow-up), reference profiles and the requests made of them."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kam.accounts.models import Account, KeyAccountStatus
from kam.referrals.models import (
    Competitor,
    ReferenceOutcome,
    ReferenceProfile,
    ReferenceRequest,
    Referral,
    ReferralChannel,
    ReferralEvent,
    ReferralStatus,
    WhitespaceCell,
)
from kam.referrals.potential import refresh_product_group_facts, top_groups
from kam.referrals.services import prospect_create
from kam.sales import figures

PROSPECTS = [
    ("Rheinland Antriebstechnik GmbH", "Bonn"),
    ("Sauerland Metallbau KG", "Arnsberg"),
    ("Weserbergland Kunststoffe GmbH", "Hameln"),
    ("Allgäuer Feinmechanik AG", "Kempten"),
    ("Lausitzer Energieanlagen GmbH", "Cottbus"),
    ("Mosel Verpackung GmbH", "Trier"),
]


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def populate(rng: random.Random, company) -> None:
    accounts: list[Account] = list(company.accounts)
    referrers = [a for a in accounts if a.status != KeyAccountStatus.NONE] or accounts[:10]
    _won_customers(rng, accounts, referrers, company.users)
    _open_prospects(rng, referrers, company.users)
    _references(rng, referrers, company.users)
    _potential(rng, referrers, company.users)


def _first_months(accounts: list[Account]) -> dict[int, date]:
    today = timezone.localdate()
    sums = figures.monthly_sums([a.pk for a in accounts], last_month=today.replace(day=1))
    return {pk: months[0].month for pk, months in sums.items() if months}


def _won_customers(rng, accounts, referrers, users) -> None:
    """The accounts that started buying last were often referred (a referral shortly before
    their first purchase)."""
    first = _first_months(accounts)
    newest = sorted((a for a in accounts if a.pk in first), key=lambda a: first[a.pk])[-20:]
    for account in newest:
        referrer = rng.choice([r for r in referrers if r.pk != account.pk])
        received = first[account.pk] - timedelta(days=rng.randint(20, 80))
        referral = Referral.objects.create(
            referring_account=referrer,
            referred_account=account,
            referring_stakeholder=referrer.stakeholders.first(),
            received_on=received,
            channel=rng.choice(ReferralChannel.values),
            status=ReferralStatus.CUSTOMER,
            status_changed_at=_moment(first[account.pk]),
            owner=account.owner or users["mueller"],
        )
        steps = [ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.CUSTOMER]
        days = [received, received + timedelta(days=7), first[account.pk]]
        _log(referral, steps, days)


def _open_prospects(rng, referrers, users) -> None:
    today = timezone.localdate()
    owners = [users["mueller"], users["schmidt"], users["weber"]]
    for number, (name, city) in enumerate(PROSPECTS):
        owner = owners[number % len(owners)]
        prospect = prospect_create(
            name=name,
            city=city,
            owner=owner,
            contact={"first_name": "Anna", "last_name": f"Beispiel{number}"},
        )
        received = today - timedelta(days=rng.randint(3, 60))
        status = [ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.OFFER][
            number % 3
        ]
        referral = Referral.objects.create(
            referring_account=rng.choice(referrers),
            referred_account=prospect,
            received_on=received,
            channel=ReferralChannel.EVENT if number % 2 else ReferralChannel.PERSONAL,
            status=status,
            status_changed_at=_moment(received + timedelta(days=number % 3)),
            owner=owner,
            created_prospect=True,
        )
        steps = [ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.OFFER]
        _log(referral, steps[: number % 3 + 1], [received + timedelta(days=i) for i in range(3)])


def _log(referral: Referral, steps, days) -> None:
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            from_status=steps[i - 1] if i else "",
            to_status=step,
            user=referral.owner,
            at=_moment(days[i]),
        )
        for i, step in enumerate(steps)
    )


def _references(rng, referrers, users) -> None:
    today = timezone.localdate()
    for account in referrers[:15]:
        profile = ReferenceProfile.objects.create(
            account=account,
            permits_logo=rng.random() < 0.7,
            permits_case_study=rng.random() < 0.4,
            permits_call=True,
            permits_visit=rng.random() < 0.5,
            permits_press=rng.random() < 0.2,
            valid_until=today + timedelta(days=rng.randint(90, 720)),
            max_uses_per_quarter=rng.choice([1, 2, 3]),
        )
        profile.stakeholders.set(list(account.stakeholders.all()[:1]))
        for _ in range(rng.randint(0, 4)):
            ReferenceRequest.objects.create(
                reference=account,
                prospect=rng.choice(PROSPECTS)[0],
                kind="call",
                requested_on=today - timedelta(days=rng.randint(5, 500)),
                requested_by=account.owner or users["mueller"],
                outcome=rng.choice(
                    [ReferenceOutcome.WON, ReferenceOutcome.WON, ReferenceOutcome.LOST]
                ),
            )


COMPETITORS = [
    ("Hydro-Tec Systeme GmbH", "Preisaggressiv, schnelle Lieferung", "Wenig Service vor Ort"),
    ("Antrieb & Co. KG", "Große Auswahl", "Lange Lieferzeiten"),
    ("AutomaPro AG", "Starke Software", "Teuer"),
    ("ServiceNord GmbH", "Regional präsent", "Kleines Team"),
]


def _potential(rng, accounts, users) -> None:
    """Competitors at some key accounts, a few estimates and blocks; the facts from the lines."""
    refresh_product_group_facts()
    groups = top_groups()
    if not groups:
        return
    today = timezone.localdate()
    rivals = [
        Competitor.objects.create(name=name, strengths=strong, weaknesses=weak)
        for name, strong, weak in COMPETITORS
    ]
    for number, account in enumerate(accounts[:15]):
        cell = WhitespaceCell(account=account, product_group=rng.choice(groups))
        cell.competitor = rivals[number % len(rivals)]
        cell.competitor_share = rng.choice([20, 35, 50, 70])
        cell.contract_end = today + timedelta(days=rng.randint(60, 540))
        if number % 5 == 0:
            cell.blocked_reason = "Rahmenvertrag mit dem Wettbewerber"
            cell.blocked_until = cell.contract_end
        if number % 3 == 0:
            cell.potential_estimate = rng.choice([50_000, 120_000, 250_000])
            cell.estimate_note = "Gespräch mit dem Einkauf"
            cell.estimated_by, cell.estimated_on = account.owner or users["mueller"], today
        cell.save()
