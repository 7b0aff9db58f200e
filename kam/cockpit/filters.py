"""The cockpit's filters: period, manager or team, region, industry and key account status.

They live in the URL (GET parameters), so a filtered cockpit can be bookmarked and shared, and
the same parameters drive its lists, charts and exports. A parameter that makes no sense is
ignored with a note the page shows (never a server error).

- `period`: `12m` (default: the last 12 complete months of the latest analysis run, the
  window its stored results cover), a calendar year (`2025`) or a quarter (`2025-Q3`). A year or
  quarter counts its months that are complete at the run's as-of date; growth compares them
  with the same months a year before. Figures of a chosen period come from the monthly facts
  (`kam.sales.figures.period_sums`), those of the default window from the stored results.
- `owner`: the accounts this user owns; `team`: the accounts of this user and of everyone who
  reports to them, down the manager chain.
- `region`: a German postal region (`DE-8`: postal codes starting with 8) or a country (`AT`).
- `industry`, `status`: the account's fields.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext as _

from kam.accounts.models import KeyAccountStatus
from kam.core.http import id_param
from kam.sales.figures import Period, add_months, calendar_period, calendar_periods, month_end
from kam.users.models import User

DEFAULT_PERIOD = "12m"
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_REGION = re.compile(r"^(DE-\d|[A-Z]{2})$")
#: The earliest year a period may start in (older facts are not kept by any import).
FIRST_YEAR = 2000
FIELDS = ("period", "owner", "team", "region", "industry", "status")


def _hashed(params: dict[str, str]) -> str:
    text = urlencode(sorted(params.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_period(value: str, *, as_of: date | None) -> Period | None:
    """The complete months of a year or quarter as of `as_of`; None when `value` names no
    period with a complete month (or there is no run to count from)."""
    if as_of is None:
        return None
    if match := _YEAR.match(value):
        year, quarter = int(match[1]), None
    elif match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
    else:
        return None
    if year < FIRST_YEAR:
        return None
    return calendar_period(year, quarter, as_of=as_of)


def period_choices(as_of: date | None) -> list[tuple[str, str]]:
    """The default, the last three calendar years and the last eight quarters with a complete
    month at `as_of` (`kam.sales.figures.calendar_periods`: a run stores their sums ahead)."""
    choices = [(DEFAULT_PERIOD, _("Last 12 complete months"))]
    if as_of is None:
        return choices
    for value, _period in calendar_periods(as_of):
        year, _q, quarter = value.partition("-Q")
        choices.append((value, f"Q{quarter} {year}" if quarter else value))
    return choices


def team_ids(manager_id: int) -> list[int]:
    """The manager and everyone reporting to them, down the chain (users are few: one query)."""
    reports: dict[int, list[int]] = {}
    for pk, boss in User.objects.exclude(manager=None).values_list("id", "manager_id"):
        reports.setdefault(boss, []).append(pk)
    team, todo = {manager_id}, [manager_id]
    while todo:
        for pk in reports.get(todo.pop(), []):
            if pk not in team:
                team.add(pk)
                todo.append(pk)
    return sorted(team)


@dataclass(frozen=True)
class CockpitFilters:
    period: str = DEFAULT_PERIOD
    owner: int | None = None
    team: int | None = None
    region: str = ""
    industry: str = ""
    status: str = ""
    #: The run's window or the chosen year or quarter; None for the default (stored results).
    chosen_period: Period | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, get, *, as_of: date | None) -> CockpitFilters:
        notes: list[str] = []

        def ignored(name: str, value: str) -> None:
            notes.append(
                _("The filter %(name)s=“%(value)s” is not valid and was ignored.")
                % {"name": name, "value": value[:40]}
            )

        raw = {name: get.get(name, "").strip()[:100] for name in FIELDS}
        period, chosen = raw["period"] or DEFAULT_PERIOD, None
        if period != DEFAULT_PERIOD:
            chosen = parse_period(period, as_of=as_of)
            if chosen is None:
                ignored("period", period)
                period = DEFAULT_PERIOD
        people = {}
        for name in ("owner", "team"):
            people[name] = id_param(raw[name]) if raw[name] else None
            if raw[name] and people[name] is None:
                ignored(name, raw[name])
        region = raw["region"].upper()
        if region and not _REGION.match(region):
            ignored("region", raw["region"])
            region = ""
        status = raw["status"]
        if status and status not in KeyAccountStatus.values:
            ignored("status", status)
            status = ""
        return cls(
            period=period,
            owner=people["owner"],
            team=people["team"],
            region=region,
            industry=raw["industry"],
            status=status,
            chosen_period=chosen,
            notes=tuple(notes),
        )

    # --- what the filters select

    @cached_property
    def team_members(self) -> list[int]:
        return team_ids(self.team) if self.team else []

    @property
    def narrows_accounts(self) -> bool:
        return bool(self.owner or self.team or self.region or self.industry or self.status)

    @property
    def is_default(self) -> bool:
        return not self.narrows_accounts and self.chosen_period is None

    def account_q(self, prefix: str = "") -> Q:
        """The condition on accounts (`prefix` leads from the filtered rows to the account,
        e.g. "account__")."""
        q = Q()
        if self.owner:
            q &= Q(**{f"{prefix}owner_id": self.owner})
        if self.team:
            q &= Q(**{f"{prefix}owner_id__in": self.team_members})
        if self.region.startswith("DE-"):
            q &= Q(**{f"{prefix}country": "DE", f"{prefix}postal_code__startswith": self.region[3]})
        elif self.region:
            q &= Q(**{f"{prefix}country": self.region})
        if self.industry:
            q &= Q(**{f"{prefix}industry": self.industry})
        if self.status:
            q &= Q(**{f"{prefix}status": self.status})
        return q

    # --- in URLs and cache keys

    def params(self) -> dict[str, str]:
        values = {
            "period": "" if self.period == DEFAULT_PERIOD else self.period,
            "owner": str(self.owner or ""),
            "team": str(self.team or ""),
            "region": self.region,
            "industry": self.industry,
            "status": self.status,
        }
        return {name: value for name, value in values.items() if value}

    @property
    def query(self) -> str:
        """ "?period=2025&owner=3" (or ""): appended to the cockpit's chart, list and export
        links, so they show what the cockpit shows."""
        params = self.params()
        return "?" + urlencode(params) if params else ""

    @property
    def accounts_query(self) -> str:
        """The query without the period: for links to what shows the run's stored figures
        whatever the period (the portfolio matrix)."""
        params = {name: value for name, value in self.params().items() if name != "period"}
        return "?" + urlencode(params) if params else ""

    @property
    def cache_key(self) -> str:
        if self.is_default:
            return "all"
        return _hashed(self.params())

    @property
    def accounts_cache_key(self) -> str:
        """What selects the accounts, without the period: the key of what shows the run's
        stored figures whatever the period (tomorrow's top, the portfolio matrix)."""
        if not self.narrows_accounts:
            return "all"
        return _hashed({name: value for name, value in self.params().items() if name != "period"})

    # --- what the period's figures are called (tiles, table headings, charts, exports)

    def _period_name(self, years_back: int = 0) -> str:
        """ "2025", "Q3 2025" or, for a year still running, "01/2026–11/2026"."""
        period = self.chosen_period
        assert period is not None
        first = add_months(period.first_month, -12 * years_back)
        last = add_months(period.last_month, -12 * years_back)
        if match := _QUARTER.match(self.period):
            if period.months == 3:
                return f"Q{match[2]} {first.year}"
        elif period.months == 12:
            return str(first.year)
        return f"{first:%m/%Y}–{last:%m/%Y}"

    @property
    def revenue_label(self) -> str:
        if self.chosen_period is None:
            return _("Revenue, 12 months")
        return _("Revenue, %(period)s") % {"period": self._period_name()}

    @property
    def revenue_before_label(self) -> str:
        if self.chosen_period is None:
            return _("Revenue, 12 months before")
        return _("Revenue, %(period)s") % {"period": self._period_name(years_back=1)}

    @property
    def margin_label(self) -> str:
        if self.chosen_period is None:
            return _("Margin, 12 months")
        return _("Margin, %(period)s") % {"period": self._period_name()}

    @property
    def period_label(self) -> str:
        if self.chosen_period is None:
            return _("trailing 12 months")
        period = self.chosen_period
        return f"{period.first_month:%m/%Y}–{month_end(period.last_month):%m/%Y}"
