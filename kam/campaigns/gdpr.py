"""The GDPR rights of contact persons (stakeholders).

Where kam holds data about a person is found, not listed: every model with a foreign key (or
many-to-many) to Stakeholder, its history (django-simple-history) and the fields each model names
in PERSONAL_DATA_FIELDS (kam.accounts.models.personal_data_fields). A new model pointing at a
stakeholder is part of the export and the erasure without a change here.

- Art. 15: `stakeholder_export` — everything as a JSON-ready dict (and a PDF in pdf.py).
- Art. 17: `stakeholder_erase` — the person's values are removed from every row that refers to
  them, including history and the outbox; the rows themselves (complaints, activities, sent
  mails) stay as business records. The consent proof stays pseudonymised: the address as a
  SHA-256 digest, so that a later claim about an address can still be checked against it.
- Retention: `retention_candidates` — contact persons of accounts without any contact for
  KAM_RETENTION_MONTHS months are proposed for erasure.
"""

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from kam.accounts.models import Account, Stakeholder
from kam.campaigns.models import CaptureMethod, ConsentRecord, OutboxMail, Purpose
from kam.search.index import index_refresh

ERASED = "[gelöscht]"
#: Shorter values are not searched for in free text: "Li" would erase every "Lieferung".
MIN_SCRUB_LENGTH = 3


def _is_history(model: type[models.Model]) -> bool:
    return model.__name__.startswith("Historical") and hasattr(model, "history_id")


def related_models() -> list[tuple[type[models.Model], str]]:
    """(model, field) for every concrete relation to Stakeholder outside Stakeholder itself."""
    found = []
    for model in apps.get_models():
        if model is Stakeholder or _is_history(model):
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is Stakeholder:
                found.append((model, field.name))
    return found


def _history_of(model: type[models.Model]) -> type[models.Model] | None:
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(instance: models.Model) -> dict:
    return {
        field.attname: _value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def _rows_of(model: type[models.Model], field: str, person: Stakeholder) -> QuerySet:
    return model._default_manager.filter(**{field: person}).order_by("pk")


def stakeholder_export(person: Stakeholder) -> dict:
    """Art. 15: the person's master data, its history, and every row that refers to them."""
    related: dict[str, list[dict]] = {}
    for model, field in related_models():
        rows = [_row(row) for row in _rows_of(model, field, person)]
        if rows:
            related.setdefault(model._meta.label, []).extend(rows)
    history = Stakeholder.history.filter(id=person.pk).order_by("history_date")  # type: ignore[attr-defined]
    return {
        "exported_at": timezone.now().isoformat(),
        "stakeholder": _row(person),
        "account": {"customer_number": person.account.customer_number, "name": person.account.name},
        "personal_fields": list(Stakeholder.PERSONAL_DATA_FIELDS),
        "history": [_row(row) for row in history],
        "related": related,
    }


def _personal_values(person: Stakeholder) -> list[str]:
    values = {str(getattr(person, name) or "").strip() for name in Stakeholder.PERSONAL_DATA_FIELDS}
    values |= {str(person).strip()}
    return sorted((v for v in values if len(v) >= MIN_SCRUB_LENGTH), key=len, reverse=True)


def _scrub(text: str, values: list[str]) -> str:
    for value in values:
        lowered = text.lower()
        start = lowered.find(value.lower())
        while start != -1:
            text = text[:start] + ERASED + text[start + len(value) :]
            lowered = text.lower()
            start = lowered.find(value.lower(), start + len(ERASED))
    return text


def _text_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices
    ]


def _scrub_rows(rows: QuerySet, values: list[str]) -> None:
    """Replaces the person's values in every text field, through a plain QuerySet (also on the
    append-only proof records: erasure is the one write the law demands of them)."""
    model = rows.model
    fields = _text_fields(model)
    for row in rows:
        changes = {}
        for name in fields:
            old = getattr(row, name) or ""
            new = _scrub(old, values)
            if new != old:
                changes[name] = new
        if changes:
            models.QuerySet(model).filter(pk=row.pk).update(**changes)


def _digest(email: str) -> str:
    return "sha256:" + hashlib.sha256(email.strip().lower().encode()).hexdigest() if email else ""


def _pseudonymise_consent(person: Stakeholder) -> None:
    # The base manager is Django's plain one: the append-only guard is the default manager's.
    plain = ConsentRecord._base_manager.filter(stakeholder=person)
    for record in plain.exclude(email="").exclude(email__startswith="sha256:"):
        plain.filter(pk=record.pk).update(email=_digest(record.email))
    plain.update(ip_address=None, note="")


def _empty_outbox(person: Stakeholder) -> None:
    rows = OutboxMail.objects.filter(
        Q(stakeholder=person) | Q(to_email__iexact=person.email or "-")
    )
    rows.update(
        to_email="",
        subject=ERASED,
        body_text="",
        body_html="",
        ics="",
        last_error="",
        unsubscribe_url="",
    )


def _objection_for_every_purpose(person: Stakeholder) -> None:
    """The person objected to all advertising: the gate refuses them whatever follows."""
    from kam.campaigns import consent

    for purpose in Purpose.values:
        consent.consent_withdraw(
            stakeholder=person, purpose=purpose, method=CaptureMethod.MANAGER, note=ERASED
        )


def _erase_master_data(person: Stakeholder, values: list[str]) -> None:
    blank = {name: "" for name in Stakeholder.PERSONAL_DATA_FIELDS} | {"last_name": ERASED}
    Stakeholder.objects.filter(pk=person.pk).update(**blank)
    history = Stakeholder.history.filter(id=person.pk)  # type: ignore[attr-defined]
    history.update(**blank, history_change_reason=None)
    _scrub_rows(history, values)


def _erase_related(person: Stakeholder, values: list[str]) -> None:
    for model, field in related_models():
        rows = _rows_of(model, field, person)
        ids = list(rows.values_list("pk", flat=True))
        _scrub_rows(model._default_manager.filter(pk__in=ids), values)
        if (history := _history_of(model)) is not None:
            _scrub_rows(history._default_manager.filter(id__in=ids), values)


@transaction.atomic
def stakeholder_erase(*, person: Stakeholder) -> None:
    """Art. 17: anonymises the person everywhere; business records and the (pseudonymised)
    consent proof stay."""
    person = Stakeholder.objects.select_for_update().get(pk=person.pk)
    values = _personal_values(person)
    _objection_for_every_purpose(person)
    _empty_outbox(person)
    _pseudonymise_consent(person)
    _erase_related(person, values)
    _erase_master_data(person, values)
    # The global search keeps names of its own: the erased person leaves it too.
    index_refresh("stakeholder", [person.pk])


def retention_candidates(*, months: int | None = None) -> QuerySet[Stakeholder]:
    """Contact persons of accounts without a contact (activity) for `months` months."""
    months = months if months is not None else settings.KAM_RETENTION_MONTHS
    cutoff = timezone.now() - timedelta(days=round(months * 30.44))
    stale = Account.objects.annotate(last=Max("activities__starts_at")).filter(
        Q(last__lt=cutoff) | Q(last__isnull=True, created_at__lt=cutoff)
    )
    return (
        Stakeholder.objects.filter(account__in=stale)
        .exclude(last_name=ERASED)
        .select_related("account")
        .order_by("account__name", "last_name")
    )
