"""The recorded cost drivers kept as facts (CostDriverFact): per account, month, kind, detail
and role the count (and amount) of contacts, offers and complaints, so that recomputing the
statements reads these rows instead of every activity and complaint.

The apps' `cost_driver_queries` (kam.core.plugins) are the source. When an app reports that an
account's drivers changed in some months, the facts of that account and those months are
rebuilt from the source (exact, however the change came about); the nightly repair rebuilds
the facts of every account over the whole window.
"""

from __future__ import annotations

import datetime

from django.db import connection

from kam.core import plugins
from kam.core.db import analyze
from kam.profitability.models import CostDriverFact


def union_sql(queries) -> tuple[str, list]:
    """The providers' driver querysets as one UNION ALL of DRIVER_COLUMNS ("" for no role)."""
    parts: list[str] = []
    params: list = []
    columns = ", ".join(
        "COALESCE(cd_role, '') AS role" if name == "role" else f"cd_{name} AS {name}"
        for name in plugins.DRIVER_COLUMNS
    )
    for number, query in enumerate(queries):
        sql, query_params = query.query.sql_with_params()
        parts.append(f"SELECT {columns} FROM ({sql}) AS q{number}")  # noqa: S608
        params += query_params
    return " UNION ALL ".join(parts), params


def grouped_sql(rows: str) -> str:
    """Driver rows summed per account, month, kind, detail and role (the line that is priced)."""
    return (
        "SELECT account_id, month, kind, detail, role,"  # noqa: S608
        # PostgreSQL sums BIGINTs as NUMERIC: the statement's integer division needs BIGINT.
        " CAST(SUM(quantity) AS BIGINT) AS quantity,"
        f" CAST(SUM(amount_cents) AS BIGINT) AS amount_cents FROM ({rows}) AS driver_rows"
        " GROUP BY account_id, month, kind, detail, role"
    )


def _table() -> str:
    return connection.ops.quote_name(CostDriverFact._meta.db_table)


def _delete(cursor, first: int, last: int, account_ids) -> None:
    sql = f"DELETE FROM {_table()} WHERE month_index >= %s AND month_index <= %s"  # noqa: S608
    params: list = [first, last]
    if account_ids is not None:
        sql += f" AND account_id IN ({', '.join(['%s'] * len(account_ids))})"
        params += list(account_ids)
    cursor.execute(sql, params)


def facts_refresh(
    cursor, *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> int:
    """Rebuilds the driver facts of the months (of the accounts, or of all) from the apps'
    queries; the number of facts written."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    _delete(cursor, plugins.month_index(first_month), plugins.month_index(last_month), account_ids)
    queries = plugins.cost_driver_queries(**window)
    if not queries:
        return 0
    rows, params = union_sql(queries)
    # All accounts: written in the order of their key, so that the table lies in that order
    # until the next repair (the pricing's sort of a range of accounts then finds it sorted,
    # and the key's index is filled page by page).
    order = " ORDER BY account_id, month, kind, detail, role" if account_ids is None else ""
    cursor.execute(
        f"INSERT INTO {_table()} (account_id, month_index, kind, detail, role, quantity,"  # noqa: S608
        f" amount_cents) {grouped_sql(rows)}{order}",
        params,
    )
    written = cursor.rowcount
    if account_ids is None:
        # Millions of facts rewritten: fresh statistics for the pricing that reads them next
        # (with those of before, the planner priced 2.4 million facts in 100 s instead of 5).
        analyze(cursor, _table())
    return written


def facts_prune(cursor, *, before: datetime.date) -> None:
    """Drops the facts of months the statements no longer cover."""
    cursor.execute(
        f"DELETE FROM {_table()} WHERE month_index < %s",  # noqa: S608
        [plugins.month_index(before)],
    )
