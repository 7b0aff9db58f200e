"""How many contacts each account got against what its contact cadence asks for (the contract is
in kam.core.plugins): the profitability app compares it with DB IV (over- and under-served)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from kam.accounts.models import Account
from kam.activities.cadence import Cadence
from kam.activities.coverage import company_cadences, effective_cadences
from kam.activities.models import CONTACT_KINDS, Activity, ActivityStatus
from kam.core.plugins import ContactLoad

#: Accounts per query (the database's limit of parameters).
CHUNK = 5_000


def contact_loads(
    *, accounts: Iterable[Account], first_day: datetime.date, last_day: datetime.date
) -> dict[int, ContactLoad]:
    accounts, rules = list(accounts), company_cadences()
    days = (last_day - first_day).days + 1
    loads: dict[int, ContactLoad] = {}
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start : start + CHUNK]
        cadences = effective_cadences(chunk, rules)
        done = _contacts_done([a.pk for a in chunk], first_day, last_day)
        for account in chunk:
            target = asked_contacts(cadences[account.pk], days)
            loads[account.pk] = ContactLoad(done.get(account.pk, 0), target)
    return loads


def asked_contacts(cadence: Cadence, days: int) -> float | None:
    """The contacts a cadence asks for in `days`: a visit is a contact too, so the shorter of
    the two intervals decides."""
    intervals = [every for every in (cadence.visit_every_days, cadence.contact_every_days) if every]
    return days / min(intervals) if intervals else None


def _contacts_done(
    account_ids: list[int], first_day: datetime.date, last_day: datetime.date
) -> dict[int, int]:
    start, end = _midnight(first_day), _midnight(last_day + datetime.timedelta(days=1))
    rows = (
        Activity.objects.filter(
            account_id__in=account_ids,
            status=ActivityStatus.DONE,
            kind__in=CONTACT_KINDS,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
