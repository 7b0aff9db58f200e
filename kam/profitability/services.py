"""Writes of the profitability domain: cost rates, care entitlements and the stored statements.

Every refresh of statements locks the one `StatementRefresh` row first, so a full recomputation
and an incremental update (after one activity) never interleave their deletes and inserts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.db import analyze
from kam.profitability import drivers
from kam.profitability.fill import fill_in_parts
from kam.profitability.models import (
    AccountStatement,
    CareEntitlement,
    CostRates,
    StatementRefresh,
)
from kam.profitability.parts import parts_wanted, refresh_in_parts
from kam.profitability.pipelined import may_pipeline, pipelined_transaction, write_computed
from kam.profitability.statements import (
    STATEMENT_MONTHS,
    compute_fresh,
    mapped_reads,
    release_temporary,
)
from kam.profitability.storage import Stored, store
from kam.sales import figures


def _overlapping(rates: CostRates) -> CostRates | None:
    others = CostRates.objects.select_for_update().exclude(pk=rates.pk)
    if rates.valid_until is not None:
        others = others.filter(valid_from__lte=rates.valid_until)
    return others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=rates.valid_from)).first()


def _refuse_overlap(rates: CostRates) -> None:
    other = _overlapping(rates)
    if other is None:
        return
    message = _(
        "These months overlap with the cost rates %(period)s. Each month has one set of rates: "
        "end the other set first or choose other months."
    ) % {"period": other.period_label}
    raise ValidationError({"valid_from": message})


def _months_of(rates: CostRates) -> tuple[datetime.date, datetime.date]:
    return rates.valid_from, rates.valid_until or current_month()


@transaction.atomic
def cost_rates_save(*, rates: CostRates) -> CostRates:
    """Saves a set of rates (refused when its months overlap another set's) and recomputes the
    statements of the months it changed."""
    rates.valid_from = rates.valid_from.replace(day=1) if rates.valid_from else rates.valid_from
    if rates.valid_until:
        rates.valid_until = rates.valid_until.replace(day=1)
    rates.full_clean()
    list(CostRates.objects.select_for_update().values_list("pk"))  # one writer of rates at a time
    months = [_months_of(rates)]
    if rates.pk:
        months.append(_months_of(CostRates.objects.get(pk=rates.pk)))
    _refuse_overlap(rates)
    rates.save()
    _refresh_after_commit(months)
    return rates


@transaction.atomic
def cost_rates_delete(*, rates: CostRates) -> None:
    months = [_months_of(rates)]
    rates.delete()
    _refresh_after_commit(months)


def _refresh_after_commit(periods: list[tuple[datetime.date, datetime.date]]) -> None:
    from kam.profitability.tasks import refresh_statements

    window_first = figures.add_months(current_month(), 1 - STATEMENT_MONTHS)
    first = max(min(start for start, _end in periods), window_first)
    last = min(max(end for _start, end in periods), current_month())
    if first <= last:
        transaction.on_commit(
            lambda: refresh_statements.enqueue(
                first_month=first.isoformat(), last_month=last.isoformat()
            )
        )


@transaction.atomic
def care_entitlements_save(*, shares: dict[str, Decimal]) -> int:
    """The share of DB I per account class; the number of classes changed."""
    changed = 0
    for status, share in shares.items():
        entitlement, _created = CareEntitlement.objects.select_for_update().get_or_create(
            account_status=status, defaults={"share_percent": share}
        )
        if entitlement.share_percent != share:
            entitlement.share_percent = share
            entitlement.full_clean()
            entitlement.save(update_fields=["share_percent"])
            changed += 1
    return changed


# --- statements


def current_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def statement_window() -> tuple[datetime.date, datetime.date]:
    """The months a full recomputation covers."""
    last = current_month()
    return figures.add_months(last, 1 - STATEMENT_MONTHS), last


def statements_refresh(
    *,
    first_month: datetime.date,
    last_month: datetime.date,
    account_ids: list[int] | None = None,
    rebuild_drivers: bool = False,
) -> Stored:
    """Recomputes the statements of the months (of the given accounts, or of all) from the kept
    driver facts and stores what changed; with `rebuild_drivers` the driver facts of those
    months and accounts are first rebuilt from the apps' records. All accounts on PostgreSQL:
    in parts at once (kam.profitability.parts); on a SQLite file: computed on a second
    connection while this one writes (kam.profitability.pipelined); in both, the driver facts
    rebuilt and committed first."""
    window = {"first_month": first_month, "last_month": last_month}
    if may_pipeline(account_ids):
        if rebuild_drivers:
            _rebuild_drivers(**window)
        return _refresh_pipelined(**window)
    parts = parts_wanted(account_ids)
    if parts == 1:
        return _refresh(**window, account_ids=account_ids, rebuild_drivers=rebuild_drivers)
    if rebuild_drivers:
        _rebuild_drivers(**window)
    return _refresh_in_parts(**window, parts=parts)


def _locked_state() -> StatementRefresh:
    """The one `StatementRefresh` row, locked until the transaction ends."""
    state, _created = StatementRefresh.objects.get_or_create(pk=1)
    StatementRefresh.objects.select_for_update().filter(pk=1).first()
    return state


def _finished(state: StatementRefresh, first: datetime.date, last: datetime.date, rows: int):
    state.finished_at = timezone.now()
    state.first_month, state.last_month = first, last
    state.statements = rows
    state.save()


@transaction.atomic
def _refresh(
    *, first_month: datetime.date, last_month: datetime.date, account_ids, rebuild_drivers: bool
) -> Stored:
    state = _locked_state()
    with connection.cursor() as cursor, mapped_reads(cursor):
        if rebuild_drivers:
            drivers.facts_refresh(
                cursor, first_month=first_month, last_month=last_month, account_ids=account_ids
            )
        fresh = compute_fresh(
            cursor, first_month=first_month, last_month=last_month, account_ids=account_ids
        )
        stored = store(cursor, fresh, first=first_month, last=last_month, account_ids=account_ids)
        release_temporary(cursor, stored.rows)
    if account_ids is None:
        _finished(state, first_month, last_month, stored.rows)
    return stored


def _refresh_pipelined(*, first_month: datetime.date, last_month: datetime.date) -> Stored:
    """SQLite, all accounts: computed on a second connection while this one writes
    (kam.profitability.pipelined)."""
    with pipelined_transaction(first=first_month, last=last_month) as computing:
        state = _locked_state()
        with connection.cursor() as cursor, mapped_reads(cursor):
            stored = write_computed(computing, first=first_month, last=last_month)
        _finished(state, first_month, last_month, stored.rows)
    return stored


@transaction.atomic
def _rebuild_drivers(*, first_month: datetime.date, last_month: datetime.date) -> None:
    """Committed before the parts begin: they read on connections of their own."""
    _locked_state()
    with connection.cursor() as cursor:
        drivers.facts_refresh(cursor, first_month=first_month, last_month=last_month)


@transaction.atomic
def _refresh_in_parts(*, first_month: datetime.date, last_month: datetime.date, parts: int):
    state = _locked_state()  # held while the parts run on their own connections
    stored = fill_in_parts(first=first_month, last=last_month, parts=parts)
    if stored is None:
        stored = refresh_in_parts(first=first_month, last=last_month, parts=parts)
    if stored.written + stored.deleted:
        with connection.cursor() as cursor:
            analyze(cursor, connection.ops.quote_name(AccountStatement._meta.db_table))
    _finished(state, first_month, last_month, stored.rows)
    return stored


def statements_refresh_all(*, rebuild_drivers: bool = True) -> Stored:
    """The statements of the whole window: by default the repair (nightly, `kam
    profitability-rebuild`) that first rebuilds the driver facts from the apps' records; after
    an import or a change of rates the kept driver facts are enough (rebuild_drivers=False)."""
    first, last = statement_window()
    if rebuild_drivers:
        with connection.cursor() as cursor:
            drivers.facts_prune(cursor, before=first)
    return statements_refresh(first_month=first, last_month=last, rebuild_drivers=rebuild_drivers)


def statements_refresh_account(*, account_id: int, months: list[datetime.date]) -> Stored | None:
    """The incremental update after an account's cost drivers changed in these months: its
    driver facts and statements of those months."""
    first, last = statement_window()
    months = [month for month in months if first <= month <= last]
    if not months:
        return None
    return statements_refresh(
        first_month=min(months),
        last_month=max(months),
        account_ids=[account_id],
        rebuild_drivers=True,
    )
