"""The columns a user can choose for the account list: label, how the database sorts by it,
how an export writes it, and whether it shows a margin (only with the margin permission).

The figures come from the latest analysis run's stored results (the trailing 12 complete months
as of the run, as on the cockpit and in its ABC list); growth is `kam.sales.figures.growth`,
sorted by its database twin `growth_expression`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core import exports
from kam.core.money import cents_to_decimal
from kam.search.collation import german


def _local_date(value):
    return timezone.localdate(value) if value else None


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation
    #: What `?sort=<key>` orders by (None: not sortable); descending first for figures.
    order: str | None
    export: Callable[[Any], object]  # of an account row from kam.lists.selectors
    margin: bool = False
    figure: bool = True
    #: How kam.core.exports formats it (a PERCENT column's export is a fraction: 0.114).
    kind: str = exports.TEXT


def _ordering(name: str) -> Callable:
    return lambda account: getattr(account, name)


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column("city", _("City"), "city", _ordering("city"), figure=False),
        Column("industry", _("Industry"), "industry", _ordering("industry"), figure=False),
        Column(
            "group",
            _("Group"),
            None,
            lambda a: a.parent.name if a.parent_id else "",
            figure=False,
        ),
        Column(
            "revenue",
            _("Revenue, 12 months"),
            "fig_revenue",
            lambda a: cents_to_decimal(a.fig_revenue),
            kind=exports.EUR,
        ),
        Column("growth", _("Growth"), "fig_growth", lambda a: a.fig_growth, kind=exports.PERCENT),
        Column("abc", _("ABC/XYZ"), "fig_abc", lambda a: f"{a.fig_abc or ''}{a.fig_xyz or ''}"),
        Column(
            "score",
            _("Score"),
            "fig_score",
            lambda a: a.fig_score,
            kind=exports.DECIMAL,
        ),
        Column(
            "forecast",
            _("Forecast, 12 months"),
            "fig_forecast",
            lambda a: cents_to_decimal(a.fig_forecast),
            kind=exports.EUR,
        ),
        Column(
            "p_alive", _("P(alive)"), "fig_p_alive", lambda a: a.fig_p_alive, kind=exports.PERCENT
        ),
        Column(
            "last_contact",
            _("Last contact"),
            "last_contact_at",
            lambda a: _local_date(a.last_contact_at),
            kind=exports.DATE,
        ),
        Column(
            "margin",
            _("Margin, 12 months"),
            "fig_margin",
            lambda a: cents_to_decimal(a.fig_margin),
            margin=True,
            kind=exports.EUR,
        ),
        Column(
            "margin_rate",
            _("Margin %"),
            "fig_margin_rate",
            lambda a: a.fig_margin_rate,
            margin=True,
            kind=exports.PERCENT,
        ),
    )
}
DEFAULT_COLUMNS = ("city", "revenue", "growth", "abc", "score", "forecast", "last_contact")

#: The fixed columns' sorts (the account's own fields).
BASE_SORTS = {
    "name": ("name", "id"),
    "number": ("customer_number",),
    "status": ("status", "name"),
    "owner": ("owner__last_name", "name"),
}


def chosen_columns(keys: list[str], *, show_margins: bool) -> list[Column]:
    """The columns asked for, in the catalogue's order; the defaults when none is valid."""
    wanted = {key for key in keys if key in COLUMNS}
    if not wanted:
        wanted = set(DEFAULT_COLUMNS)
    return [c for c in COLUMNS.values() if c.key in wanted and (show_margins or not c.margin)]


def order_by(sort: str, columns: list[Column]) -> tuple[list, str]:
    """The database ordering for `sort` ("-revenue" is descending) among the shown columns,
    and the sort that was applied (an unknown or hidden one falls back to the name)."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key in BASE_SORTS:
        fields = BASE_SORTS[key]
        # Names in German order ("Böhm" before "Brandt"), the other fields as stored.
        return [
            german(f, descending=descending) if f == "name" else f"-{f}" if descending else f
            for f in fields
        ], sort
    column = next((c for c in columns if c.key == key and c.order), None)
    if column is None or column.order is None:
        return [german("name"), "id"], "name"
    expression = F(column.order)
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [ordered, "id"], sort
