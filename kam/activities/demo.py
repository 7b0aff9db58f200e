"""Demo data: contact histories, appointments, relationship owners and account plans.

Deterministic from the demo's random generator. About a third of the key accounts have not been
contacted for a while, so the coverage page and the daily job have something to show.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from kam.accounts.models import Account, BuyingRole, KeyAccountStatus, Stakeholder
from kam.activities.models import (
    AccountPlan,
    ActionStatus,
    Activity,
    ActivityKind,
    ActivityStatus,
    GoalKind,
    PlanAction,
    PlanCompetitor,
    PlanGoal,
    PlanOpportunity,
    StakeholderRelationship,
    Threat,
)
from kam.activities.plan_services import add_months

KINDS = (
    [ActivityKind.VISIT] * 3
    + [ActivityKind.PHONE] * 4
    + [
        ActivityKind.VIDEO,
        ActivityKind.EMAIL,
        ActivityKind.MEETING,
        ActivityKind.PRESENTATION,
        ActivityKind.NOTE,
    ]
)
SUBJECTS = {
    ActivityKind.VISIT: ["Jahresgespräch", "Werksbesichtigung", "Besuch Einkauf", "Qualitätsaudit"],
    ActivityKind.PHONE: ["Rückfrage Lieferung", "Preisanfrage", "Abstimmung Rahmenvertrag"],
    ActivityKind.VIDEO: ["Projektstatus", "Technische Klärung"],
    ActivityKind.EMAIL: ["Angebot nachgefasst", "Unterlagen geschickt"],
    ActivityKind.MEETING: ["Messe-Gespräch", "Kundenevent"],
    ActivityKind.PRESENTATION: ["Angebotspräsentation Neuprojekt", "Präsentation Sortiment"],
    ActivityKind.NOTE: ["Notiz Wettbewerb", "Notiz Organisation"],
}
OUTCOMES = [
    "Kunde zufrieden, Bedarf für Q3 signalisiert.",
    "Preisdruck durch Wettbewerb, Angebot wird überarbeitet.",
    "Neuer Ansprechpartner im Einkauf, Termin vereinbart.",
    "Reklamation besprochen, Lösung akzeptiert.",
    "Interesse an Zusatzleistungen, Konzept folgt.",
]
NEXT_STEPS = [
    "Angebot schicken",
    "Muster liefern",
    "Termin mit Technik",
    "Preisliste aktualisieren",
]
COMPETITORS = ["Nordstahl AG", "Präzisa GmbH", "Technoform SE", "Alpha Industrie", "Rheinwerk KG"]
ACTIONS = [
    "Jahresgespräch mit Geschäftsführung",
    "Rahmenvertrag verlängern",
    "Neues Produkt vorstellen",
    "Lieferperformance verbessern",
    "Zweiten Ansprechpartner in der Technik aufbauen",
]


def _at(day: date, rng: random.Random) -> datetime:
    hour = rng.choice([8, 9, 10, 11, 13, 14, 15, 16])
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _activity(rng, account, owner, day, status) -> Activity:
    kind = rng.choice(KINDS) if status == ActivityStatus.DONE else ActivityKind.VISIT
    next_step = rng.choice(NEXT_STEPS) if rng.random() < 0.4 else ""
    return Activity(
        account=account,
        owner=owner,
        kind=kind,
        status=status,
        starts_at=_at(day, rng),
        duration_minutes=rng.choice([15, 30, 60, 90, 120]) if kind != ActivityKind.NOTE else 5,
        subject=rng.choice(SUBJECTS[kind]),
        outcome=rng.choice(OUTCOMES) if status == ActivityStatus.DONE else "",
        next_step=next_step,
        next_step_due=day + timedelta(days=rng.randint(3, 30)) if next_step else None,
    )


def _history(rng, account, people, today) -> list[Activity]:
    """A contact history; some accounts have gone quiet for months (they will be overdue)."""
    quiet = rng.random() < 0.35
    first, last = (100, 400) if quiet else (1, 120)
    days = sorted(rng.randint(first, last) for _ in range(rng.randint(2, 7)))
    activities = [
        _activity(rng, account, rng.choice(people), today - timedelta(days=n), ActivityStatus.DONE)
        for n in days
    ]
    for activity in activities:
        # Old next steps were dealt with long ago; only recent ones are still open.
        if activity.next_step_due and activity.next_step_due < today - timedelta(days=14):
            activity.next_step_done = True
    if not quiet and rng.random() < 0.6:
        day = today + timedelta(days=rng.randint(1, 20))
        activities.append(_activity(rng, account, people[0], day, ActivityStatus.PLANNED))
    return activities


def _people(account: Account, company) -> list:
    users = company.users
    rep = users["weber"] if account.owner == users["mueller"] else users["fischer"]
    return [account.owner or users["mueller"], rep]


def _link_stakeholders(rng, activities, stakeholders_by_account) -> None:
    through = Activity.stakeholders.through
    links = []
    for activity in activities:
        candidates = stakeholders_by_account.get(activity.account_id, [])
        for stakeholder in rng.sample(candidates, k=min(len(candidates), rng.randint(0, 2))):
            links.append(through(activity_id=activity.pk, stakeholder_id=stakeholder.pk))
    through.objects.bulk_create(links, batch_size=1000)


def _relationships(rng, stakeholders_by_account, accounts_by_id, company) -> None:
    relationships = []
    for account_id, stakeholders in stakeholders_by_account.items():
        for stakeholder in stakeholders:
            if stakeholder.buying_role == BuyingRole.DECISION_MAKER and rng.random() < 0.6:
                owner = _people(accounts_by_id[account_id], company)[0]
                relationships.append(StakeholderRelationship(stakeholder=stakeholder, owner=owner))
    StakeholderRelationship.objects.bulk_create(relationships)


def _plan(rng, account, company, today) -> AccountPlan:
    start = today - timedelta(days=rng.randint(30, 200))
    plan = AccountPlan.objects.create(
        account=account,
        title=f"Account-Plan {start.year} {account.name}",
        valid_from=start,
        valid_until=add_months(start, 12),
        situation="Langjähriger Kunde, Volumen stabil, Preisdruck im Einkauf.",
        customer_strategy="Konsolidierung der Lieferantenbasis, Ausbau Standort Osteuropa.",
        customer_needs="Liefersicherheit, technische Beratung, digitale Bestellabwicklung.",
        strengths="Qualität, Nähe zur Technik des Kunden.",
        weaknesses="Lieferzeiten bei Sonderteilen.",
        opportunities="Neue Produktlinie, Ersatz eines schwächelnden Wettbewerbers.",
        threats="Billiganbieter aus Asien, Insourcing.",
        review_every_months=3,
        # Some plans missed their review: they show up as alerts.
        next_review_due=today + timedelta(days=rng.randint(-45, 80)),
        created_by=account.owner,
    )
    revenue = Decimal(rng.randrange(200_000, 3_000_000, 10_000))
    target_date = add_months(start, 12)
    PlanGoal.objects.bulk_create(
        [
            PlanGoal(
                plan=plan, kind=GoalKind.REVENUE, target_value=revenue, target_date=target_date
            ),
            PlanGoal(
                plan=plan,
                kind=GoalKind.MARGIN,
                target_value=(revenue * Decimal("0.28")).quantize(Decimal("1")),
                target_date=target_date,
            ),
            PlanGoal(
                plan=plan,
                kind=GoalKind.SHARE_OF_WALLET,
                target_value=Decimal(rng.randint(20, 60)),
                target_date=target_date,
            ),
        ]
    )
    PlanCompetitor.objects.bulk_create(
        PlanCompetitor(
            plan=plan,
            name=name,
            supplies="Standardteile",
            share_percent=Decimal(rng.randint(5, 40)),
            threat=rng.choice(Threat.values),
        )
        for name in rng.sample(COMPETITORS, k=2)
    )
    PlanOpportunity.objects.create(
        plan=plan,
        title="Neue Baureihe ab nächstem Jahr",
        estimated_revenue=Decimal(rng.randrange(50_000, 500_000, 5_000)),
        expected_by=add_months(today, rng.randint(2, 9)),
    )
    people = _people(account, company)
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=plan,
            title=title,
            owner=rng.choice(people),
            due_date=today + timedelta(days=rng.randint(-30, 120)),
            status=rng.choice([ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.IN_PROGRESS]),
        )
        for title in rng.sample(ACTIONS, k=3)
    )
    return plan


def populate(rng: random.Random, company) -> None:
    today = timezone.localdate()
    ruled = [a for a in company.accounts if a.status != KeyAccountStatus.NONE]
    accounts_by_id = {a.pk: a for a in ruled}
    activities = []
    for account in ruled:
        activities += _history(rng, account, _people(account, company), today)
    Activity.objects.bulk_create(activities, batch_size=1000)
    stakeholders_by_account: dict[int, list[Stakeholder]] = {}
    for stakeholder in Stakeholder.objects.filter(account__in=ruled).order_by("pk"):
        stakeholders_by_account.setdefault(stakeholder.account_id, []).append(stakeholder)
    _link_stakeholders(rng, activities, stakeholders_by_account)
    _relationships(rng, stakeholders_by_account, accounts_by_id, company)
    for account in ruled:
        if account.status in (KeyAccountStatus.STRATEGIC, KeyAccountStatus.KEY_ACCOUNT):
            plan = _plan(rng, account, company, today)
            action = plan.actions.order_by("pk").first()
            done = [a for a in activities if a.account_id == account.pk]
            if action is not None and done:
                Activity.objects.filter(pk=done[-1].pk).update(plan_action=action)
