"""A deterministic German demo company: users, accounts in groups, teams, stakeholders."""

import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission

from kam.accounts.models import (
    Access,
    Account,
    Attitude,
    BuyingRole,
    KeyAccountStatus,
    Stakeholder,
    TeamMembership,
    TeamRole,
)
from kam.core.permissions import gets_admin_rights, gets_margins_by_default
from kam.users.models import Role, User

DEMO_PASSWORD = "kam-demo"  # noqa: S105 (printed for the local demo, by design)

#: username, role, first name, last name, manager
DEMO_USERS = [
    ("admin", Role.ADMIN, "Ada", "Admin", None),
    ("leitung", Role.LEADERSHIP, "Laura", "Lehmann", None),
    ("mueller", Role.KEY_ACCOUNT_MANAGER, "Markus", "Müller", "leitung"),
    ("schmidt", Role.KEY_ACCOUNT_MANAGER, "Sabine", "Schmidt", "leitung"),
    ("weber", Role.FIELD_SALES, "Wolfgang", "Weber", "mueller"),
    ("fischer", Role.FIELD_SALES, "Franziska", "Fischer", "schmidt"),
    ("service", Role.CUSTOMER_SERVICE, "Selin", "Yılmaz", "leitung"),
]

NAME_STEMS = [
    "Bergmann",
    "Hoffmann",
    "Krüger",
    "Brandt",
    "Vogel",
    "Lorenz",
    "Hartmann",
    "Seidel",
    "Kühn",
    "Roth",
    "Franke",
    "Albrecht",
    "Graf",
    "Böhm",
    "Winter",
    "Sommer",
    "Keller",
    "Nordwerk",
    "Südstahl",
    "Rheintal",
    "Elbe",
    "Alpen",
    "Hansa",
    "Westfalia",
    "Isar",
    "Main",
    "Donau",
    "Weser",
    "Harz",
    "Taunus",
    "Eifel",
    "Spree",
    "Mosel",
    "Neckar",
]
INDUSTRY_WORDS = {
    "Maschinenbau": ["Maschinenbau", "Anlagenbau", "Antriebstechnik"],
    "Automobilzulieferer": ["Automotive", "Fahrzeugteile", "Präzisionsteile"],
    "Chemie": ["Chemie", "Kunststoffe", "Lacke"],
    "Lebensmittel": ["Lebensmittel", "Feinkost", "Getränke"],
    "Elektrotechnik": ["Elektrotechnik", "Elektronik", "Sensorik"],
    "Bau": ["Bau", "Baustoffe", "Haustechnik"],
    "Logistik": ["Logistik", "Spedition", "Lagertechnik"],
    "Handel": ["Handel", "Großhandel", "Versand"],
    "Medizintechnik": ["Medizintechnik", "Labortechnik", "Dental"],
    "Energie": ["Energie", "Solartechnik", "Stadtwerke"],
}
CITIES = [
    ("80331", "München"),
    ("70173", "Stuttgart"),
    ("50667", "Köln"),
    ("60311", "Frankfurt am Main"),
    ("20095", "Hamburg"),
    ("10115", "Berlin"),
    ("90402", "Nürnberg"),
    ("04109", "Leipzig"),
    ("01067", "Dresden"),
    ("30159", "Hannover"),
    ("44135", "Dortmund"),
    ("45127", "Essen"),
    ("28195", "Bremen"),
    ("68159", "Mannheim"),
    ("76133", "Karlsruhe"),
    ("89073", "Ulm"),
    ("33602", "Bielefeld"),
    ("48143", "Münster"),
    ("93047", "Regensburg"),
    ("66111", "Saarbrücken"),
]
STREETS = [
    "Industriestraße",
    "Hauptstraße",
    "Am Hafen",
    "Gewerbepark",
    "Bahnhofstraße",
    "Ringstraße",
]
LEGAL_FORMS = ["GmbH", "GmbH", "GmbH", "AG", "GmbH & Co. KG", "KG", "SE"]
FIRST_NAMES = [
    "Anna",
    "Thomas",
    "Julia",
    "Michael",
    "Katrin",
    "Stefan",
    "Claudia",
    "Andreas",
    "Nicole",
    "Jan",
    "Petra",
    "Tobias",
    "Sandra",
    "Florian",
    "Birgit",
    "Ralf",
    "Melanie",
    "Dirk",
]
LAST_NAMES = [
    "Becker",
    "Schulz",
    "Wagner",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Hofmann",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
]
POSITIONS = [
    ("Geschäftsführung", "Geschäftsführer(in)", BuyingRole.DECISION_MAKER),
    ("Einkauf", "Leiter(in) Einkauf", BuyingRole.DECISION_MAKER),
    ("Einkauf", "Strategische(r) Einkäufer(in)", BuyingRole.INFLUENCER),
    ("Produktion", "Produktionsleiter(in)", BuyingRole.USER),
    ("Qualität", "Qualitätsmanager(in)", BuyingRole.INFLUENCER),
    ("Technik", "Technische(r) Leiter(in)", BuyingRole.CHAMPION),
    ("Sekretariat", "Assistenz der Geschäftsführung", BuyingRole.GATEKEEPER),
]


@dataclass
class DemoCompany:
    users: dict[str, User]
    accounts: list[Account] = field(default_factory=list)


def create_users() -> dict[str, User]:
    margin_permission = Permission.objects.get(codename="view_margins")
    users: dict[str, User] = {}
    for username, role, first, last, manager in DEMO_USERS:
        user = User(
            username=username,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.kam.example",
            manager=users.get(manager or ""),
            is_staff=gets_admin_rights(role),
            is_superuser=gets_admin_rights(role),
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if gets_margins_by_default(role):
            user.user_permissions.add(margin_permission)
        users[username] = user
    return users


def _domain(name: str) -> str:
    word = name.split()[0].lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, plain)
    return word


def _company_name(rng: random.Random, industry: str) -> str:
    return f"{rng.choice(NAME_STEMS)} {rng.choice(INDUSTRY_WORDS[industry])}"


def _new_account(rng: random.Random, number: int, owner: User | None, parent=None) -> Account:
    industry = parent.industry if parent else rng.choice(list(INDUSTRY_WORDS))
    postal_code, city = rng.choice(CITIES)
    name = _company_name(rng, industry)
    if parent is not None:
        name = f"{parent.name.split()[0]} {rng.choice(INDUSTRY_WORDS[industry])} {city}"
    return Account(
        customer_number=f"{number:05d}",
        name=name,
        legal_form=rng.choice(LEGAL_FORMS),
        industry=industry,
        street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
        postal_code=postal_code,
        city=city,
        country="DE",
        website=f"https://www.{_domain(name)}.example",
        owner=owner,
        parent=parent,
    )


def create_accounts(rng: random.Random, users: dict[str, User], count: int) -> list[Account]:
    """Accounts, about a tenth of them in group hierarchies up to three levels deep."""
    owners = [users["mueller"], users["schmidt"], users["weber"], users["fischer"]]
    accounts: list[Account] = []
    number = 10001
    while len(accounts) < count:
        owner = rng.choice(owners)
        top = _new_account(rng, number, owner)
        top.save()
        accounts.append(top)
        number += 1
        if rng.random() < 0.08 and len(accounts) + 3 < count:
            for _ in range(rng.randint(2, 5)):
                member = _new_account(rng, number, rng.choice([owner, *owners]), parent=top)
                member.save()
                accounts.append(member)
                number += 1
                if rng.random() < 0.3:
                    grandchild = _new_account(rng, number, member.owner, parent=member)
                    grandchild.save()
                    accounts.append(grandchild)
                    number += 1
    return accounts[:count]


def assign_status(rng: random.Random, accounts: list[Account]) -> None:
    """A first status by a hidden size; the analytics will later propose changes to it."""
    for account in accounts:
        roll = rng.random()
        if roll < 0.03:
            account.status, account.tier = KeyAccountStatus.STRATEGIC, "Platin"
        elif roll < 0.10:
            account.status, account.tier = KeyAccountStatus.KEY_ACCOUNT, "Gold"
        elif roll < 0.18:
            account.status, account.tier = KeyAccountStatus.CANDIDATE, "Silber"
    Account.objects.bulk_update(accounts, ["status", "tier"], batch_size=500)


def create_teams(rng: random.Random, users: dict[str, User], accounts: list[Account]) -> None:
    memberships = []
    for account in accounts:
        if account.status in (KeyAccountStatus.STRATEGIC, KeyAccountStatus.KEY_ACCOUNT):
            rep = users["weber"] if account.owner == users["mueller"] else users["fischer"]
            if rep != account.owner:
                memberships.append(
                    TeamMembership(
                        account=account, user=rep, role=TeamRole.FIELD_SALES, access=Access.EDIT
                    )
                )
            memberships.append(
                TeamMembership(
                    account=account,
                    user=users["service"],
                    role=TeamRole.CUSTOMER_SERVICE,
                    access=Access.READ,
                )
            )
            if account.status == KeyAccountStatus.STRATEGIC:
                memberships.append(
                    TeamMembership(
                        account=account,
                        user=users["leitung"],
                        role=TeamRole.EXECUTIVE_SPONSOR,
                        access=Access.READ,
                    )
                )
    TeamMembership.objects.bulk_create(memberships, batch_size=500)


def create_stakeholders(rng: random.Random, accounts: list[Account]) -> None:
    for account in accounts:
        size = 5 if account.status != KeyAccountStatus.NONE else 2
        people = []
        for department, position, buying_role in rng.sample(POSITIONS, k=size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            people.append(
                Stakeholder(
                    account=account,
                    first_name=first,
                    last_name=last,
                    position=position,
                    department=department,
                    buying_role=buying_role,
                    influence=rng.randint(1, 5),
                    attitude=rng.choice(list(Attitude.values)),
                    email=f"{first.lower()}.{last.lower()}@kunde{account.customer_number}.example",
                    phone=f"+49 {rng.randint(30, 99)} {rng.randint(100000, 999999)}",
                )
            )
        Stakeholder.objects.bulk_create(people)
        boss = people[0]
        for person in people[1:]:
            person.reports_to = boss if rng.random() < 0.6 else people[1]
            if person is people[1]:
                person.reports_to = boss
        Stakeholder.objects.bulk_update(people[1:], ["reports_to"])
