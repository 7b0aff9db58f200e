"""Building blocks of the profitability tests: facts, contacts, complaints and rates."""

import datetime
import importlib
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from kam.activities import services as activity_services
from kam.complaints.tests.factories import ensure_defaults, make_complaint
from kam.profitability.models import AccountStatement, CostRates
from kam.sales.models import MonthlyFact

TODAY = datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC)


def fact(account, month, *, revenue, margin, invoices=1, lines=1) -> MonthlyFact:
    """A month of sales as the importer stores it (amounts in euros)."""
    return MonthlyFact.objects.create(
        account=account,
        month=month,
        revenue_cents=int(Decimal(revenue) * 100),
        margin_cents=int(Decimal(margin) * 100),
        invoice_count=invoices,
        line_count=lines,
        purchase_days=invoices,
        first_purchase=month,
        last_purchase=month,
    )


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def contact(account, owner, day, kind="visit", participants=(), status="done"):
    return activity_services.activity_create(
        account=account,
        owner=owner,
        data={"kind": kind, "status": status, "starts_at": at(day), "subject": f"{kind} {day}"},
        participants=list(participants),
    )


def complaint(account, day, severity="medium"):
    ensure_defaults()
    return make_complaint(account, None, severity=severity, received_at=at(day))


def rates(valid_from, valid_until=None, **values) -> CostRates:
    """A set of rates saved directly (the service's overlap check is tested on its own)."""
    return CostRates.objects.create(valid_from=valid_from, valid_until=valid_until, **values)


def only_rates(*sets) -> None:
    CostRates.objects.all().delete()
    for values in sets:
        rates(**values)


def ensure_defaults_of_profitability() -> None:
    defaults = importlib.import_module("kam.profitability.migrations.0002_defaults")
    defaults.create_defaults(apps, None)


def stored() -> dict:
    return {
        (s.account_id, s.month): (
            s.revenue_cents,
            s.db1_cents,
            s.condition_cost_cents,
            s.care_cost_cents,
            s.service_cost_cents,
            s.db2_cents,
            s.db3_cents,
            s.db4_cents,
        )
        for s in AccountStatement.objects.all()
    }
