"""Monthly account facts as plain arrays: the one narrow read the analysis makes.

The analysis never touches sales lines or model instances: it reads kam.sales' MonthlyFact with
a handful of raw queries (one per month of the window, so no month is converted row by row,
each read by numpy straight from the cursor) into accounts × months integer matrices of revenue
and margin cents and purchase days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection
from django.db.models import Max
from django.db.models.functions import Coalesce

from kam.accounts.models import Account
from kam.analysis.fact_reader import HelperRead, HelperReadError
from kam.sales.figures import month_from_index, month_index
from kam.sales.models import MonthlyFact

logger = logging.getLogger(__name__)
#: The forecast compares whole years, so the window always covers at least two of them.
MIN_WINDOW_MONTHS = 24
#: Older history adds little to the purchase models and costs memory: five years is plenty.
MAX_WINDOW_MONTHS = 60
#: From about this many facts on (the latest month's times the window's months), a helper
#: process reads the later half of the months from an SQLite file meanwhile (fact_reader.py):
#: its start (about 0.2 s) is worth it from a few hundred thousand facts on.
HELPER_READ_FACTS = 400_000

IntMatrix = np.ndarray


@dataclass(frozen=True)
class FactMatrix:
    """Accounts (sorted by id) × months (oldest first, the last being `last_month`)."""

    account_ids: np.ndarray  # int64
    first_month: date
    revenue_cents: IntMatrix  # int64, accounts × months
    margin_cents: IntMatrix
    purchase_days: IntMatrix
    first_position: np.ndarray  # first purchase in months since first_month (0 if before)
    last_purchase: np.ndarray  # datetime64[D], over all history up to last_month
    #: Whether any account has facts before `first_month` (older history is cut off).
    older_facts: bool = True

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    @property
    def n_months(self) -> int:
        return int(self.revenue_cents.shape[1])

    @property
    def last_month(self) -> date:
        return month_from_index(month_index(self.first_month) + self.n_months - 1)

    def sums(self, first_month: date, last_month: date) -> tuple[np.ndarray, np.ndarray] | None:
        """Each account's revenue and margin from `first_month` to `last_month`; None when the
        months are not all known here (after the matrix, or before it with older facts)."""
        start = month_index(first_month) - month_index(self.first_month)
        stop = month_index(last_month) - month_index(self.first_month) + 1
        if stop > self.n_months or (start < 0 and self.older_facts):
            return None
        start, stop = max(start, 0), max(stop, 0)
        return (
            self.revenue_cents[:, start:stop].sum(axis=1),
            self.margin_cents[:, start:stop].sum(axis=1),
        )

    def purchase_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """First and last purchase in months since the window start (day-precise, ≥ 0)."""
        last = _position(self.last_purchase, np.datetime64(self.first_month, "D"))
        return self.first_position, np.maximum(last, self.first_position)


def _position(days: np.ndarray, start: np.datetime64) -> np.ndarray:
    months = days.astype("datetime64[M]")
    month_start = months.astype("datetime64[D]")
    month_length = ((months + 1).astype("datetime64[D]") - month_start).astype(np.float64)
    offset = (months - start.astype("datetime64[M]")).astype(np.float64)
    within = (days - month_start).astype(np.float64) / month_length
    return np.clip(offset + within, 0.0, None)


def _fact_table() -> str:
    return connection.ops.quote_name(MonthlyFact._meta.db_table)


def _date_parts_sql(column: str) -> tuple[str, str, str]:
    """SQL for year, month and day of a date column as integers (no date objects per row)."""
    if connection.vendor == "sqlite":
        return tuple(  # type: ignore[return-value]
            f"CAST(substr({column}, {start}, {length}) AS INTEGER)"
            for start, length in ((1, 4), (6, 2), (9, 2))
        )
    return tuple(  # type: ignore[return-value]
        f"CAST(EXTRACT({part} FROM {column}) AS INTEGER)" for part in ("YEAR", "MONTH", "DAY")
    )


#: One fact as read: account, revenue, margin and the purchase days with the first and last
#: purchase day packed into one integer (see `_month_rows`).
_FACT_ROW = np.dtype(
    [("account", np.int64), ("revenue", np.int64), ("margin", np.int64), ("days", np.int64)]
)
#: The same with the account in the upper bits of the packed days (`_DAYS_BITS` below them: a
#: month's purchase days stay far below 2**13): three values a fact, while the ids fit.
_KEYED_ROW = np.dtype([("key", np.int64), ("revenue", np.int64), ("margin", np.int64)])
_DAYS_BITS = 23


def _packed_days_sql() -> str:
    """Purchase days, first and last purchase day of the month packed into one integer.

    Python's database drivers spend most of a large read creating one object per value; four
    values per fact instead of six make the read of millions of facts much faster (three,
    `_KEYED_ROW`, another 7 %).
    """
    first_day, last_day = _date_parts_sql("first_purchase")[2], _date_parts_sql("last_purchase")[2]
    return f"(purchase_days * 32 + {first_day}) * 32 + {last_day}"


def _month_sql(keyed: bool) -> str:
    """The query of one month's facts (_KEYED_ROW if `keyed`, else _FACT_ROW). One query per
    month leaves the month out of every row."""
    if keyed:
        values = (
            f"account_id * {1 << _DAYS_BITS} + {_packed_days_sql()}, revenue_cents, margin_cents"
        )
    else:
        values = f"account_id, revenue_cents, margin_cents, {_packed_days_sql()}"
    return f"SELECT {values} FROM {_fact_table()} WHERE month = %s"  # noqa: S608


def _month_rows(cursor, month: date, keyed: bool) -> np.ndarray:
    """The facts of one month as a structured array, straight from the cursor: no list of rows
    in between."""
    cursor.execute(_month_sql(keyed), [month])
    # The driver's own cursor: Django's wrapper would add a generator step to every row.
    return np.fromiter(cursor.cursor, dtype=_KEYED_ROW if keyed else _FACT_ROW)


def _helper_read(months: list[date], keyed: bool) -> HelperRead | None:
    """A helper process reading the later half of `months`, when the facts are many and in an
    SQLite file (_sqlite_file); else None."""
    database = _sqlite_file()
    if database is None or len(months) < 2:
        return None
    latest = MonthlyFact.objects.filter(month=months[-1]).count()
    if latest * len(months) < HELPER_READ_FACTS:
        return None
    later = [month.isoformat() for month in months[len(months) // 2 :]]
    sql = _month_sql(keyed).replace("%s", "?")  # the driver's own placeholder
    return HelperRead(database, sql, later, _KEYED_ROW if keyed else _FACT_ROW)


def _sqlite_file() -> str | None:
    """The SQLite file of the connection, if it has one and reads committed data only
    (autocommit: another connection to the file sees the same); else None."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    return None if name == ":memory:" or "mode=memory" in name else name


def _read_months(months: list[date], keyed: bool) -> list[np.ndarray]:
    """Each month's facts (see _month_rows), the later ones read by a helper process where it
    pays (_helper_read); should the helper fail, this process reads its months too."""
    helper = _helper_read(months, keyed)
    own = months if helper is None else months[: len(months) // 2]
    with connection.cursor() as cursor:
        rows = [_month_rows(cursor, month, keyed) for month in own]
        if helper is not None:
            try:
                rows += helper.result()
            except HelperReadError as error:
                logger.warning("The helper process did not read the facts: %s", error)
                rows += [_month_rows(cursor, month, keyed) for month in months[len(own) :]]
    return rows


def _ids_fit_the_key() -> bool:
    """Whether every account id times 2**_DAYS_BITS fits a signed 64-bit integer."""
    largest = MonthlyFact.objects.aggregate(largest=Max("account_id"))["largest"]
    return largest is None or largest < 1 << (63 - _DAYS_BITS)


def _window_rows(first_month: date, last_month: date) -> list[np.ndarray]:
    """Columns account, revenue, margin, month index, purchase days, first day, last day."""
    first, last = month_index(first_month), month_index(last_month)
    keyed = _ids_fit_the_key()
    months = _read_months([month_from_index(i) for i in range(first, last + 1)], keyed)
    empty = np.zeros(0, dtype=_KEYED_ROW if keyed else _FACT_ROW)
    facts = np.concatenate(months) if months else empty
    month = np.repeat(np.arange(first, last + 1), [len(rows) for rows in months])
    if keyed:
        account, packed = facts["key"] >> _DAYS_BITS, facts["key"] & ((1 << _DAYS_BITS) - 1)
    else:
        account, packed = facts["account"], facts["days"]
    return [
        account,
        facts["revenue"],
        facts["margin"],
        month,
        packed >> 10,
        (packed >> 5) & 31,
        packed & 31,
    ]


def _month_start(month_indexes: np.ndarray) -> np.ndarray:
    """datetime64[M] of month indexes (year × 12 + month − 1)."""
    return (month_indexes - 1970 * 12).astype("datetime64[M]")


def _days_in_month(month_indexes: np.ndarray) -> np.ndarray:
    start = _month_start(month_indexes)
    return ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(float)


def _earliest_month(last_month: date) -> date | None:
    return (
        MonthlyFact.objects.filter(month__lte=last_month)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )


def _older_accounts(before: date) -> tuple[np.ndarray, np.ndarray]:
    """Accounts with facts before the window, and their last purchase there (usually none)."""
    older = MonthlyFact.objects.filter(month__lt=before)
    if not older.exists():
        return np.array([], dtype=np.int64), np.array([], dtype="datetime64[D]")
    # "+account_id" keeps the database from walking the (account, month) index over all facts
    # to group; the month index finds the few old ones. Selected as grouped: PostgreSQL refuses
    # a plain account_id there.
    sql = (
        f"SELECT +account_id, MAX(last_purchase) FROM {_fact_table()} "  # noqa: S608
        "WHERE month < %s GROUP BY +account_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [before])
        rows = sorted(cursor.fetchall())
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    return ids, np.array([str(row[1]) for row in rows], dtype="datetime64[D]")


def window_start(earliest: date, last_month: date) -> date:
    last = month_index(last_month)
    start = min(month_index(earliest), last - MIN_WINDOW_MONTHS + 1)
    return month_from_index(max(start, last - MAX_WINDOW_MONTHS + 1))


def _empty(last_month: date) -> FactMatrix:
    days = np.array([], dtype="datetime64[D]")
    matrix = np.zeros((0, MIN_WINDOW_MONTHS), dtype=np.int64)
    first_month = month_from_index(month_index(last_month) - MIN_WINDOW_MONTHS + 1)
    ids = np.array([], dtype=np.int64)
    return FactMatrix(ids, first_month, matrix, matrix, matrix, days, days)


def _purchase_bounds(
    has_fact: np.ndarray,
    first_day: np.ndarray,
    last_day: np.ndarray,
    older: np.ndarray,
    older_last: np.ndarray,
    first_month: date,
) -> tuple[np.ndarray, np.ndarray]:
    """First purchase (months since first_month, 0 if before the window), last purchase date.

    `has_fact`, `first_day` and `last_day` are accounts × months; `older` marks the accounts
    that bought before the window, `older_last` their last purchase there.
    """
    rows = np.arange(len(has_fact))
    first_column = has_fact.argmax(axis=1)
    last_column = has_fact.shape[1] - 1 - has_fact[:, ::-1].argmax(axis=1)
    in_window = has_fact.any(axis=1)
    days = _days_in_month(month_index(first_month) + first_column)
    first = np.where(
        older | ~in_window, 0.0, first_column + (first_day[rows, first_column] - 1) / days
    )
    last_start = _month_start(month_index(first_month) + last_column).astype("datetime64[D]")
    last = np.where(in_window, last_start + last_day[rows, last_column] - 1, older_last)
    return first, last


def _rows_of(ids: np.ndarray, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `ids` in order, and the row among them of each id after the first `skip`.

    Account ids are dense positive integers: a table over them finds both in a few passes,
    where sorting millions of facts' ids (np.unique, searchsorted) took seconds."""
    if len(ids) == 0:
        return ids, ids
    present = np.zeros(int(ids.max()) + 1, dtype=bool)
    present[ids] = True
    distinct = np.flatnonzero(present).astype(np.int64)
    row_of = np.cumsum(present) - 1
    return distinct, row_of[ids[skip:]]


def load_facts(last_month: date) -> FactMatrix:
    """Every account with facts up to `last_month`, and its monthly figures in the window.

    Each account's first and last purchase are taken from its first and last fact in the
    window (the first purchase of an account that bought before the window is the window's
    start: older history is cut off, see MAX_WINDOW_MONTHS).
    """
    earliest = _earliest_month(last_month)
    if earliest is None:
        return _empty(last_month)
    first_month = window_start(earliest, last_month)
    n_months = month_index(last_month) - month_index(first_month) + 1
    account, revenue, margin, month, days, first_day, last_day = _window_rows(
        first_month, last_month
    )
    older_ids, older_last = _older_accounts(first_month)
    account_ids, row = _rows_of(np.concatenate([older_ids, account]), len(older_ids))
    column = month - month_index(first_month)
    shape = (len(account_ids), n_months)
    matrices: list[np.ndarray] = [np.zeros(shape, dtype=np.int64) for _ in range(3)]
    matrices += [np.zeros(shape, dtype=np.int8) for _ in range(2)]  # first and last day
    for matrix, values in zip(matrices, (revenue, margin, days, first_day, last_day), strict=True):
        matrix[row, column] = values
    older = np.isin(account_ids, older_ids)
    last_before = np.full(len(account_ids), np.datetime64("NaT"), dtype="datetime64[D]")
    last_before[np.searchsorted(account_ids, older_ids)] = older_last
    first, last = _purchase_bounds(
        matrices[4] > 0, matrices[3], matrices[4], older, last_before, first_month
    )
    return FactMatrix(
        account_ids=account_ids,
        first_month=first_month,
        revenue_cents=matrices[0],
        margin_cents=matrices[1],
        purchase_days=matrices[2],
        first_position=first,
        last_purchase=last,
        older_facts=len(older_ids) > 0,
    )


def latest_fact_month() -> date | None:
    return MonthlyFact.objects.order_by("-month").values_list("month", flat=True).first()


def group_roots(account_ids: np.ndarray) -> np.ndarray:
    """The id of each account's group top (any depth; the account itself if it has no parent).

    One query over (id, parent_id); the tops are found by pointer jumping in numpy, which needs
    log2(depth) steps instead of one query per level.
    """
    pairs = np.array(
        list(Account.objects.values_list("id", Coalesce("parent_id", "id"))), dtype=np.int64
    ).reshape(-1, 2)
    ids, parents = pairs[:, 0], pairs[:, 1]
    order = np.argsort(ids)
    ids = ids[order]
    up = np.searchsorted(ids, parents[order])  # row of each account's parent
    for _step in range(64):  # a parent cycle (refused by the services) cannot loop forever
        jumped = up[up]  # pointer jumping: every account now points twice as high
        if np.array_equal(jumped, up):
            break
        up = jumped
    return ids[up][np.searchsorted(ids, account_ids)]
