"""The GDPR rights of contact persons: the registry, the export (Art. 15), the erasure (Art. 17)
and the retention proposal."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kam.accounts.models import Stakeholder
from kam.campaigns import events, gdpr, mailings, outbox
from kam.campaigns.gate import gate
from kam.campaigns.models import ConsentRecord, Invitation, MailStatus, OutboxMail, Purpose
from kam.campaigns.tests.factories import confirmed_consent, event, mailing, segment
from kam.complaints.models import Complaint
from kam.complaints.tests.factories import make_complaint
from kam.testing.factories import AccountFactory, StakeholderFactory

#: Field names and types that hold a person's data wherever they appear.
PERSONAL_NAMES = {"first_name", "last_name", "email", "phone", "ip_address", "to_email", "mobile"}
#: Models with such fields that are not about contact persons, and why.
EXEMPT = {
    "users.User": "kam's own employees, not contact persons at customers",
    "axes.AccessAttempt": "login security log of kam's users (django-axes)",
    "axes.AccessLog": "login security log of kam's users (django-axes)",
    "axes.AccessFailureLog": "login security log of kam's users (django-axes)",
}


def looks_personal(field: models.Field) -> bool:
    return isinstance(field, models.EmailField | models.GenericIPAddressField) or (
        field.name in PERSONAL_NAMES
    )


def unregistered_personal_fields(candidates) -> list[str]:
    missing = []
    for model in candidates:
        label = model._meta.label
        if label in EXEMPT or gdpr._is_history(model):
            continue
        registered = set(getattr(model, "PERSONAL_DATA_FIELDS", ()))
        missing += [
            f"{label}.{field.name}"
            for field in model._meta.concrete_fields
            if looks_personal(field) and field.name not in registered
        ]
    return missing


def test_every_personal_field_is_in_the_registry():
    assert unregistered_personal_fields(apps.get_models()) == []
    for model in apps.get_models():
        for name in getattr(model, "PERSONAL_DATA_FIELDS", ()):
            model._meta.get_field(name)  # a typo in the registry fails here


def test_the_registry_check_finds_an_unregistered_field():
    class Contact:  # a stand-in with a model's _meta
        class _meta:  # noqa: N801
            label = "demo.Contact"
            concrete_fields = [models.EmailField(name="email"), models.CharField(name="city")]

    assert unregistered_personal_fields([Contact]) == ["demo.Contact.email"]


PERSON = {
    "first_name": "Zyprian",
    "last_name": "Quastenberg",
    "email": "z.quastenberg@kunde-example.org",
    "phone": "+49 170 5551234",
    "position": "Oberquastmeister",
    "notes": "Mag keine Anrufe vor 9",
}
IP = "203.0.113.77"


@pytest.fixture
def person(db, alice, client):
    """A contact person known everywhere: consent, a mailing, an invitation, a complaint, a
    contact, an edit in the history."""
    account = AccountFactory(owner=alice)
    someone = StakeholderFactory(account=account, **PERSON)
    confirmed_consent(someone, Purpose.NEWSLETTER, ip=IP)
    confirmed_consent(someone, Purpose.EVENTS, ip=IP)
    someone.position = "Oberquastmeister a. D."
    someone.save()
    mailings.mailing_queue(mailing=mailing(alice, segment(alice)), occurrence="once")
    events.event_invite(event=event(alice, segment(alice)))
    outbox.deliver(rate_per_second=0)
    make_complaint(account, alice, stakeholder=someone, description="Zyprian Quastenberg rief an")
    return someone


def database_text() -> str:
    """Every value of every table, as text (the whole database, not only kam's models)."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the database)
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks).lower()


@pytest.mark.django_db
def test_the_export_holds_everything_found_through_the_registry(person):
    export = gdpr.stakeholder_export(person)

    assert {field: export["stakeholder"][field] for field in PERSON} == PERSON | {
        "position": "Oberquastmeister a. D."
    }
    assert len(export["history"]) == 2
    related = export["related"]
    assert {
        "campaigns.ConsentRecord",
        "campaigns.OutboxMail",
        "campaigns.Invitation",
        "complaints.Complaint",
        "activities.Activity",
    } <= set(related)
    assert any(row["ip_address"] == IP for row in related["campaigns.ConsentRecord"])
    assert any(row["status"] == "sent" for row in related["campaigns.OutboxMail"])
    json.dumps(export)  # plain JSON


@pytest.mark.django_db
def test_the_erasure_leaves_no_personal_value_anywhere(person):
    assert PERSON["last_name"].lower() in database_text()

    gdpr.stakeholder_erase(person=person)

    text = database_text()
    for value in [*PERSON.values(), "Oberquastmeister a. D.", IP, "Zyprian Quastenberg"]:
        assert value.lower() not in text, value


@pytest.mark.django_db
def test_the_erasure_keeps_business_records_and_a_pseudonymous_proof(person):
    complaints = Complaint.objects.filter(stakeholder=person).count()
    sent = OutboxMail.objects.filter(stakeholder=person, status=MailStatus.SENT).count()

    gdpr.stakeholder_erase(person=person)

    assert Complaint.objects.filter(stakeholder=person).count() == complaints == 1
    assert OutboxMail.objects.filter(stakeholder=person, status=MailStatus.SENT).count() == sent
    assert Invitation.objects.filter(stakeholder=person).exists()
    digest = "sha256:" + hashlib.sha256(PERSON["email"].encode()).hexdigest()
    assert ConsentRecord.objects.filter(stakeholder=person, email=digest).exists()
    assert not gate(stakeholder=Stakeholder.objects.get(pk=person.pk), purpose="newsletter").allowed


@pytest.mark.django_db
def test_erasure_needs_the_typed_confirmation(client, leader, person):
    client.force_login(leader)
    url = reverse("campaigns:privacy", kwargs={"pk": person.pk})

    refused = client.post(url, {"confirm": "ja"})
    assert refused.status_code == 400
    assert Stakeholder.objects.get(pk=person.pk).last_name == PERSON["last_name"]

    done = client.post(url, {"confirm": "löschen"})
    assert done.status_code == 302
    assert Stakeholder.objects.get(pk=person.pk).last_name == gdpr.ERASED


@pytest.mark.django_db
def test_the_export_as_json_and_pdf(client, leader, person):
    client.force_login(leader)

    data = client.get(reverse("campaigns:privacy_json", kwargs={"pk": person.pk})).json()
    document = client.get(reverse("campaigns:privacy_pdf", kwargs={"pk": person.pk}))

    assert data["stakeholder"]["email"] == PERSON["email"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages)
    for value in (PERSON["email"], PERSON["notes"], IP, "DSGVO"):
        assert value in text.replace("\n", " "), value


@pytest.mark.django_db
def test_stale_accounts_contacts_are_proposed_for_erasure(alice):
    with time_machine.travel(timezone.now() - timedelta(days=4 * 365)):
        old = StakeholderFactory(account=AccountFactory(owner=alice))
    fresh = StakeholderFactory(account=AccountFactory(owner=alice))

    assert list(gdpr.retention_candidates(months=36)) == [old]
    assert fresh not in gdpr.retention_candidates(months=36)
    mail.outbox.clear()
