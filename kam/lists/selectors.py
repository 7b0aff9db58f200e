"""Reads of the account list with figures, saved views and the users one may hand accounts to.

The list starts at `accounts_visible_to(user)` (through `kam.accounts.selectors.account_list`,
which also applies the search and the field filters) and joins the latest run's result of each
account in the same query (a filtered LEFT JOIN), so a page costs the same few queries whatever
its length, and every figure column sorts in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    CharField,
    F,
    FilteredRelation,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from kam.accounts.models import Account
from kam.accounts.selectors import (
    AccountFilter,
    account_list,
    accounts_editable_by,
    accounts_visible_to,
)
from kam.activities.models import CONTACT_KINDS, Activity, ActivityStatus
from kam.analysis.selectors import latest_run
from kam.lists.columns import Column, chosen_columns, order_by
from kam.lists.models import SavedView
from kam.sales.figures import growth_expression, ratio_expression
from kam.users.models import User

_RESULT_FIELDS = {
    "fig_revenue": "revenue_12m_cents",
    "fig_revenue_prev": "revenue_prev_12m_cents",
    "fig_margin": "margin_12m_cents",
    "fig_abc": "abc_revenue",
    "fig_xyz": "xyz",
    "fig_score": "score",
    "fig_forecast": "expected_revenue_12m_cents",
    "fig_p_alive": "p_alive",
}

_TEXTS = {"fig_abc", "fig_xyz"}


@dataclass
class ListView:
    """What the list shows: the filters of the account app, the chosen columns and the sort."""

    filters: AccountFilter
    columns: list[Column]
    sort: str
    column_keys: list[str] = field(default_factory=list)


def list_view_from_query(get, *, show_margins: bool) -> ListView:
    filters = AccountFilter(
        q=get.get("q", "").strip()[:100],
        status=get.get("status", ""),
        tier=get.get("tier", ""),
        owner=get.get("owner", ""),
        industry=get.get("industry", ""),
        sort="name",
    )
    columns = chosen_columns(get.getlist("col"), show_margins=show_margins)
    _, sort = order_by(get.get("sort", "name"), columns)
    return ListView(filters, columns, sort, [c.key for c in columns])


def _last_contact() -> Subquery:
    done = (
        Activity.objects.filter(
            account=OuterRef("pk"), status=ActivityStatus.DONE, kind__in=CONTACT_KINDS
        )
        .order_by()
        .values("account")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    return Subquery(done)


def with_figures(accounts: QuerySet[Account], columns: list[Column]) -> QuerySet[Account]:
    """The accounts with the latest run's figures (`fig_*`) and, when shown, the last contact."""
    run = latest_run()
    if run is None:
        # No analysis yet: the same columns, empty (and typed, so they still sort).
        empty = {
            name: Value(None, output_field=CharField() if name in _TEXTS else FloatField())
            for name in [*_RESULT_FIELDS, "fig_growth", "fig_margin_rate"]
        }
        accounts = accounts.annotate(**empty)
    else:
        accounts = accounts.annotate(
            latest=FilteredRelation("analysis_results", condition=Q(analysis_results__run=run))
        ).annotate(**{name: F(f"latest__{column}") for name, column in _RESULT_FIELDS.items()})
        accounts = accounts.annotate(
            fig_growth=growth_expression("fig_revenue", "fig_revenue_prev"),
            fig_margin_rate=ratio_expression("fig_margin", "fig_revenue"),
        )
    if any(c.key == "last_contact" for c in columns):
        accounts = accounts.annotate(last_contact_at=_last_contact())
    return accounts


def account_rows(*, user: User, view: ListView) -> QuerySet[Account]:
    """The visible accounts the filters select, with their figures, in the chosen order."""
    accounts = with_figures(account_list(user=user, filters=view.filters), view.columns)
    ordering, _ = order_by(view.sort, view.columns)
    return accounts.order_by(*ordering)


def saved_views(user: User) -> QuerySet[SavedView]:
    return SavedView.objects.filter(user=user).order_by("name", "id")


def visible_selection(*, user: User, ids: list[int]) -> QuerySet[Account]:
    """The selected accounts the user may see (what a segment may take)."""
    return accounts_visible_to(user).filter(id__in=ids).select_related("owner").order_by("name")


def editable_selection(*, user: User, ids: list[int]) -> QuerySet[Account]:
    """The selected accounts the user may change (the others are left out, and said so)."""
    return accounts_editable_by(user).filter(id__in=ids).select_related("owner").order_by("name")


def assignable_owners() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "id")
