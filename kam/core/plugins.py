"""How the domain apps plug into each other without importing each other: the one place where
the plug-in contracts are written down.

An app `kam.<name>` may have modules with agreed names; shared code finds them with
`app_modules(name)`, in the order of INSTALLED_APPS, so an app that is not installed (or has no
such module) simply adds nothing. The contracts:

- `panels.py`: `account_panels(request, account) -> list[Panel]`, tabs on the account page.
- `tiles.py`: `account_tiles(request, account) -> list[Panel]`, rendered above those tabs.
- `timeline.py`: `timeline_entries(account, user) -> list[TimelineEntry]`, the account's timeline
  (`account_timeline` collects them). The user has already been allowed to see the account; a
  provider only adds what that user may see of its own data (e.g. no margins without permission).
- `schedule.py`: `JOBS: list[Job]`, periodic jobs that `kam scheduler` enqueues once per period.
- `demo.py`: `populate(rng, company)`, adds the app's data to `kam demo` (`company` is a
  `kam.demo.company.DemoCompany`).
- `tasks.py`: optionally `on_task_interrupted(task_path, kwargs)`, called when a worker died while
  running one of the module's tasks (kam.core.workers).
- `hooks.py`: optionally `on_sales_import_finished(sales_import)`, called after the transaction of
  a finished (not dry-run, not refused) sales import commits; analysis queues a run here.
  Optionally `on_facts_changed()`, called inside the transaction of every import chunk that
  wrote monthly facts (before it commits): analysis marks the period sums its runs stored
  ahead as out of date there, so that no page reads them until the next run.
- `analysis_inputs.py`: `account_criteria(*, as_of) -> dict[str, dict[int, float]]`, data
  criteria for the key-account score per account id (accounts without a value count 0), e.g.
  complaints received in the 12 months up to `as_of`. Optionally
  `account_ratings(*, as_of) -> dict[str, dict[int, float]]`: ratings 1–5 computed from data for
  a rated criterion (e.g. `reference_value` from referrals and references); where an account has
  one it replaces the rating the account team typed in.
- `worklist.py`: `worklist_items(user) -> list[WorkItem]`, what needs the user today (overdue
  contacts, due next steps, complaints by deadline, decisions waiting for them); the start page
  shows `worklist(user)`, every provider's items sorted by due date (undated last). A provider
  returns only items on accounts the user sees (`accounts_visible_to`) and at most a screenful
  (`WORKLIST_LIMIT`) per kind, most urgent first.
- `search.py`: `search(user, query) -> list[SearchHit]`, the app's objects for the global search
  (top bar, `/search/`), best first, only on accounts the user sees; and `SEARCH_SOURCES`
  (`{kind: documents(ids)}`), the app's objects for the normalised index of `kam.search.index`
  that `search` looks in (umlaut- and case-insensitive, ranked: exact number, number prefix,
  name prefix, word). `global_search(user, query)` collects every app's hits by kind.
- Notifications are not a plug-in but a service every app calls:
  `kam.notifications.services.notify(*, recipient, kind, title, url="", key="")` puts one into the
  recipient's inbox (the bell in the top bar), once per recipient and non-empty `key`, and mails
  it when the recipient asked for mail.
- `cost_drivers.py`: what an account's care and service cost is made of, per account and month
  (kam.profitability prices it with its cost rates; it imports none of the providers), as rows
  built with `driver_rows` that the database sums. Two sorts:
  `cost_driver_queries(*, first_month, last_month, account_ids=None) -> list[QuerySet]`, the
  drivers an app records itself (contacts, complaints): the app calls
  `cost_drivers_changed(account_id=..., days=[...])` in every service that changes them, and
  kam.profitability keeps them as facts per account, month, kind, detail and role (refreshed
  for that account and those months at once; rebuilt from these queries by the nightly repair).
  `derived_cost_driver_queries(*, ...)` and `cost_drivers(*, ...) -> list[CostDriver]` (the few
  computed in Python: the bonus accrued) are drivers derived from sales and conditions, which
  change with every import: computed at each recomputation. A kind comes from one sort only.
  `account_ids` None means every account. Also `cost_items(*, account_id, month) ->
  list[CostItem]` (the single items behind them, for "which visits, which complaints"), and
  `PROVIDES`, the driver kinds the app delivers (`COST_DRIVER_KINDS`).
- `hooks.py`: optionally `on_cost_drivers_changed(*, account_id, months)`, called after the
  transaction that changed an account's cost drivers in these months (first days) commits.
- `service_levels.py`: `contact_loads(*, accounts, first_day, last_day) -> dict[int, ContactLoad]`,
  per account (of the given `Account` objects) the contacts done in the period and how many its
  contact cadence asks for (None without a rule); `contact_loads(...)` collects them.
- `product_trends.py`: `area_trends(*, account_ids, last_month) -> dict[int, list[dict]]`, per
  account the product areas it buys more, less or newly of in the 12 months up to `last_month`
  against the 12 before, as reason codes (`area_growing`/`area_shrinking` with `area` and
  `percent`, `area_new` with `area`) that kam.analysis.reasons words; read from the lines when
  a result is shown (`with_area_reasons`), never by the analysis run.
- `cockpit.py`: `cockpit_panels(request) -> list[Panel]`, blocks on the cockpit (the start page),
  below its own sections; a provider decides who sees its panel (e.g. the margin permission).
- `tests/matrix.py`: `ROWS: list[Row]` (and optionally `objects(account, users)`), rows of the
  permission matrix (see kam.testing.matrix).

A hook that raises is logged and the others still run (`hooks_call`): one app's bug never
undoes another app's finished work.
"""

import datetime
import importlib
import importlib.util
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import NamedTuple

from django.apps import apps
from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

logger = logging.getLogger(__name__)


def app_modules(module_name: str) -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kam."):
            continue
        dotted = f"{config.name}.{module_name}"
        if importlib.util.find_spec(dotted) is not None:
            found.append(importlib.import_module(dotted))
    return found


def app_hooks(module_name: str, function_name: str) -> list[Callable]:
    """Every installed app's `<module_name>.<function_name>`, where an app defines it."""
    return [
        getattr(module, function_name)
        for module in app_modules(module_name)
        if callable(getattr(module, function_name, None))
    ]


def hooks_call(module_name: str, function_name: str, /, *args, **kwargs) -> None:
    """Calls every app's hook; one that raises is logged and does not stop the others."""
    for hook in app_hooks(module_name, function_name):
        try:
            hook(*args, **kwargs)
        except Exception:
            logger.exception("%s.%s failed", hook.__module__, function_name)


@dataclass
class Panel:
    """One tab on the account page (or a block of tiles above the tabs): `template` is rendered
    with `context` plus the page's own."""

    id: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    badge: str = ""


def account_panels(request, account) -> list[Panel]:
    panels: list[Panel] = []
    for module in app_modules("panels"):
        panels.extend(module.account_panels(request, account))
    return panels


def cockpit_panels(request) -> list[Panel]:
    return [panel for hook in app_hooks("cockpit", "cockpit_panels") for panel in hook(request)]


def account_tiles(request, account) -> list[Panel]:
    return [
        tile for module in app_modules("tiles") for tile in module.account_tiles(request, account)
    ]


@dataclass(frozen=True)
class TimelineEntry:
    """One event on an account's timeline."""

    when: datetime.datetime
    kind: str  # a key of kam.activities.timeline.KINDS, or the provider's own
    title: str
    detail: str = ""
    url: str = ""
    icon: str = "bi-dot"


def account_timeline(account, user, *, kind: str = "") -> list[TimelineEntry]:
    """Every provider's entries, newest first, optionally of one kind."""
    entries: list[TimelineEntry] = []
    for hook in app_hooks("timeline", "timeline_entries"):
        entries.extend(hook(account, user))
    if kind:
        entries = [entry for entry in entries if entry.kind == kind]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


@dataclass(frozen=True)
class Job:
    """A periodic job of an app's `schedule.py`: daily at a local time, or every n minutes."""

    name: str
    task: str  # dotted path of a django-tasks task
    daily_at: datetime.time | None = None
    every_minutes: int | None = None
    kwargs: dict = field(default_factory=dict)

    def period(self, now: datetime.datetime) -> str | None:
        """The period `now` falls in, or None before today's start time of a daily job."""
        local = timezone.localtime(now)
        if self.daily_at is not None:
            return local.date().isoformat() if local.time() >= self.daily_at else None
        minutes = self.every_minutes or 60
        slot = (local.hour * 60 + local.minute) // minutes * minutes
        return f"{local.date().isoformat()}T{slot // 60:02d}:{slot % 60:02d}"


def analysis_ratings(*, as_of: datetime.date) -> dict[str, dict[int, float]]:
    """Every app's data-derived ratings (1–5) of rated criteria, by criterion and account id."""
    ratings: dict[str, dict[int, float]] = {}
    for hook in app_hooks("analysis_inputs", "account_ratings"):
        for name, values in hook(as_of=as_of).items():
            ratings.setdefault(name, {}).update(values)
    return ratings


def analysis_criteria(*, as_of: datetime.date) -> dict[str, dict[int, float]]:
    """Every app's data criteria for the key-account score, by criterion and account id. An
    account left out had none of a counted criterion (kam_analytics.scoring.COUNTED) and is
    unknown in any other (its weight goes to its other criteria)."""
    criteria: dict[str, dict[int, float]] = {}
    for hook in app_hooks("analysis_inputs", "account_criteria"):
        criteria.update(hook(as_of=as_of))
    return criteria


#: The most items of one kind a worklist provider returns: the start page is not a list page.
WORKLIST_LIMIT = 20


@dataclass(frozen=True)
class WorkItem:
    """One thing that needs a user: `severity` is "danger" (overdue, breached), "warning" (due
    today or soon) or "info"; `due` is a date (or None when it has none)."""

    kind: str
    title: str
    url: str
    due: datetime.date | None
    severity: str = "info"
    account_name: str = ""


_SEVERITY_ORDER = {"danger": 0, "warning": 1, "info": 2}


def worklist(user) -> list[WorkItem]:
    """Every provider's items for the user, by due date (undated last), the more severe first."""
    items: list[WorkItem] = []
    for hook in app_hooks("worklist", "worklist_items"):
        try:
            items.extend(hook(user))
        except Exception:
            logger.exception("%s.worklist_items failed", hook.__module__)
    return sorted(
        items,
        key=lambda item: (
            item.due is None,
            item.due or datetime.date.min,
            _SEVERITY_ORDER.get(item.severity, 3),
            item.title,
        ),
    )


@dataclass(frozen=True)
class SearchHit:
    """One object the global search found: `tier` is its rank (0 exact number, 1 number prefix,
    2 name starts with the query, 3 a word of the name, 4 a detail such as the city)."""

    kind: str  # account, stakeholder, complaint, plan, ... (the group it is shown in)
    kind_label: str
    title: str
    url: str
    subtitle: str = ""
    tier: int = 3


def global_search(user, query: str) -> dict[str, list[SearchHit]]:
    """Every app's hits for the query, grouped by kind (in the order of INSTALLED_APPS), each
    group best first."""
    groups: dict[str, list[SearchHit]] = {}
    for hook in app_hooks("search", "search"):
        for hit in hook(user, query):
            groups.setdefault(hit.kind, []).append(hit)
    for hits in groups.values():
        hits.sort(key=lambda hit: hit.tier)
    return groups


@dataclass(frozen=True)
class ContactLoad:
    """An account's contacts done in a period against what its contact cadence asks for."""

    contacts: int
    target: float | None  # contacts the cadence asks for in the period; None without a rule


def contact_loads(
    *, accounts, first_day: datetime.date, last_day: datetime.date
) -> dict[int, ContactLoad]:
    """Every provider's contact loads by account id (see `service_levels.py` above)."""
    loads: dict[int, ContactLoad] = {}
    for hook in app_hooks("service_levels", "contact_loads"):
        loads.update(hook(accounts=accounts, first_day=first_day, last_day=last_day))
    return loads


#: The kinds of cost driver and what `detail` names for each (kam.profitability prices them):
#: - "activity": a contact that is done; detail = the activity kind ("visit", "phone", "video",
#:   "meeting", "presentation", "email"); role = the role of whose time it took; count.
#: - "offer": an offer prepared; role = who prepared it; quantity.
#: - "complaint": a complaint received; detail = its severity ("low" ... "critical"); quantity;
#:   or, with hours booked on it, detail = "hours", role = whose time, quantity = the hours
#:   booked in hundredths of an hour.
#: - "special_condition": money given away; detail = "bonus" (accrued) or "discount" (below the
#:   list price); amount_cents.
COST_DRIVER_KINDS = ("activity", "offer", "complaint", "special_condition")


class CostDriver(NamedTuple):
    """A count (or an amount of money) of one kind of effort of an account in a month."""

    account_id: int
    month: datetime.date  # first day of the month
    kind: str  # one of COST_DRIVER_KINDS
    detail: str = ""
    role: str = ""  # a kam.users.models.Role value: whose time
    quantity: int = 0
    amount_cents: int = 0


@dataclass(frozen=True)
class CostItem:
    """One item behind a cost driver: a visit, a complaint, a bonus (for the drill-down)."""

    account_id: int
    day: datetime.date
    kind: str
    detail: str
    title: str
    role: str = ""
    quantity: int = 1
    amount_cents: int = 0
    url: str = ""
    people: str = ""  # whose time, as shown
    hours: Decimal | None = None  # the effort booked on it, where the item books hours


#: The columns of a cost-driver row (`driver_rows`), in order; `month` is a month index
#: (year x 12 + month - 1, as kam.sales.figures.month_index).
DRIVER_COLUMNS = ("account_id", "month", "kind", "detail", "role", "quantity", "amount_cents")


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _month_of_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def driver_rows(
    queryset: QuerySet,
    *,
    day: str,
    first_month: datetime.date,
    last_month: datetime.date,
    account_ids=None,
    account: str = "account_id",
    kind: str,
    detail,
    role=None,
    quantity=None,
    amount_cents=None,
) -> QuerySet:
    """A provider's rows of the months (and accounts) as cost-driver rows (DRIVER_COLUMNS, one
    row per item, not summed: the database sums them per account, month, kind, detail and role).

    `day` names the date or datetime column (a datetime counts in its local month) that places
    a row in a month, `account` the account id column. Each of `detail`, `role`, `quantity` and
    `amount_cents` is a field name or an expression; `role` defaults to none, `quantity` to 1,
    the amount to 0."""
    rows = in_months(queryset, day=day, first_month=first_month, last_month=last_month)
    if account_ids is not None:
        rows = rows.filter(**{f"{account}__in": account_ids})
    month_of = local_month_index if _is_datetime(queryset, day) else date_month_index
    columns = {
        "cd_account_id": _expression(account),
        "cd_month": month_of(day, first_month, last_month),
        "cd_kind": Value(kind),
        "cd_detail": _expression(detail),
        "cd_role": Value("") if role is None else _expression(role),
        "cd_quantity": Value(1) if quantity is None else _expression(quantity),
        "cd_amount_cents": Value(0) if amount_cents is None else _expression(amount_cents),
    }
    return rows.order_by().annotate(**columns).values_list(*columns)


def in_months(
    queryset: QuerySet,
    *,
    day: str,
    first_month: datetime.date,
    last_month: datetime.date,
) -> QuerySet:
    """The rows whose `day` (a date, or a datetime in local time) falls in the months."""
    bounds: tuple[datetime.date, datetime.date] = (first_month, _next_month(last_month))
    if _is_datetime(queryset, day):
        bounds = local_month_range(first_month, last_month)
    return queryset.filter(**{f"{day}__gte": bounds[0], f"{day}__lt": bounds[1]})


def _is_datetime(queryset: QuerySet, path: str) -> bool:
    """Whether the column a lookup path (e.g. "activity__starts_at") ends in holds datetimes."""
    model, *names, last = [queryset.model, *path.split("__")]
    for name in names:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(last).get_internal_type() == "DateTimeField"


def _expression(value):
    return F(value) if isinstance(value, str) else value


def _queries(function_name: str, window: dict) -> list[QuerySet]:
    return [query for hook in app_hooks("cost_drivers", function_name) for query in hook(**window)]


def cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    """Every provider's recorded cost-driver rows of the months (and accounts), as querysets:
    what kam.profitability keeps as facts."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    return _queries("cost_driver_queries", window)


def derived_cost_driver_queries(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[QuerySet]:
    """Every provider's cost-driver rows derived from sales and conditions, as querysets."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    return _queries("derived_cost_driver_queries", window)


def listed_cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    """The cost drivers providers compute in Python (few: the bonus accrued)."""
    drivers: list[CostDriver] = []
    for hook in app_hooks("cost_drivers", "cost_drivers"):
        drivers.extend(
            hook(first_month=first_month, last_month=last_month, account_ids=account_ids)
        )
    return drivers


def cost_drivers(
    *, first_month: datetime.date, last_month: datetime.date, account_ids=None
) -> list[CostDriver]:
    """Every provider's cost drivers of the months (and accounts), summed per account, month,
    kind, detail and role: the lines the statement prices (for a few accounts: the drill-down)."""
    window = {"first_month": first_month, "last_month": last_month, "account_ids": account_ids}
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for query in cost_driver_queries(**window) + derived_cost_driver_queries(**window):
        for account_id, month, kind, detail, role, quantity, amount in query:
            total = totals[account_id, _month_of_index(month), kind, detail, role or ""]
            total[0] += quantity
            total[1] += amount
    for driver in listed_cost_drivers(**window):
        total = totals[driver[:4] + (driver.role or "",)]
        total[0] += driver.quantity
        total[1] += driver.amount_cents
    return [CostDriver(*key, *total) for key, total in totals.items()]


def cost_items(*, account_id: int, month: datetime.date) -> list[CostItem]:
    items: list[CostItem] = []
    for hook in app_hooks("cost_drivers", "cost_items"):
        items.extend(hook(account_id=account_id, month=month))
    return sorted(items, key=lambda item: (item.kind, item.day))


def cost_driver_kinds_provided() -> set[str]:
    """The kinds of cost driver some installed app delivers (others are not recorded yet)."""
    return {
        kind for module in app_modules("cost_drivers") for kind in getattr(module, "PROVIDES", ())
    }


def cost_drivers_changed(*, account_id: int, days) -> None:
    """An account's cost drivers changed on these days: once the transaction commits, every
    app's `hooks.on_cost_drivers_changed` hears of the months."""
    months = sorted({day.replace(day=1) for day in days if day is not None})
    if months:
        transaction.on_commit(
            lambda: hooks_call(
                "hooks", "on_cost_drivers_changed", account_id=account_id, months=months
            )
        )


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def local_month_range(
    first_month: datetime.date, last_month: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From local midnight on the first of `first_month` to that after `last_month` ends."""
    return _local_midnight(first_month), _local_midnight(_next_month(last_month))


def local_month_index(field: str, first_month: datetime.date, last_month: datetime.date) -> Case:
    """For cost-driver providers: the local month of a datetime column as a month index
    (`month_index`), computed by the database as nested CASEs over the months' boundaries (a
    binary search: six comparisons for three years), so that no time-zone function runs per
    row. Rows outside the months get the nearest month."""
    months = []
    month = first_month
    while month <= last_month:
        months.append(month)
        month = _next_month(month)
    starts = [local_month_range(m, m)[0] for m in months]
    return _search(field, starts, [month_index(m) for m in months], 0, len(starts))


def date_month_index(field: str, first_month: datetime.date, last_month: datetime.date) -> Case:
    """`local_month_index` of a date column (no time zone: the date's own month)."""
    months = []
    month = first_month
    while month <= last_month:
        months.append(month)
        month = _next_month(month)
    return _search(field, months, [month_index(m) for m in months], 0, len(months))


def _search(field: str, starts: list, indexes: list[int], low: int, high: int):
    """The index of the month among starts[low:high] that the field's value falls in."""
    if high - low <= 1:
        return Value(indexes[low])
    middle = (low + high) // 2
    return Case(
        When(**{f"{field}__lt": starts[middle]}, then=_search(field, starts, indexes, low, middle)),
        default=_search(field, starts, indexes, middle, high),
        output_field=IntegerField(),
    )
