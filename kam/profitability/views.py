"""Pages of account profitability. Every page needs the margin permission first (403 without it,
also for one's own accounts), then reads through `accounts_visible_to` (404 for an account the
user does not see). The cost rates need `can_edit_cost_rates`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_get
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param
from kam.profitability import exports, selectors, services
from kam.profitability.breakdown import month_breakdown
from kam.profitability.forms import CostRatesForm, EntitlementForm
from kam.profitability.models import CostRates
from kam.sales import figures
from kam.users.models import User

SORTS = {
    "db4": lambda row: row.figures.db4_cents,
    "db3": lambda row: row.figures.db3_cents,
    "db1": lambda row: row.figures.db1_cents,
    "revenue": lambda row: row.figures.revenue_cents,
    "care": lambda row: row.figures.care_cost_cents,
    "name": lambda row: row.account.name.casefold(),
}


#: The served lists: by care cost against the entitlement, and by contacts against the cadence.
SERVED = {
    "over": selectors.over_served,
    "under": selectors.under_served,
    "cadence-over": selectors.over_cadence,
    "cadence-under": selectors.under_cadence,
}


def _served(rows: list, kind: str) -> list:
    if kind.startswith("cadence-"):
        selectors.judge_cadence(rows, figures.window_as_of(timezone.localdate()))
    return SERVED[kind](rows)


def _require_margins(request: AuthenticatedRequest) -> None:
    if not permissions.can_view_margins(request.user):
        raise PermissionDenied


def _require_rates(request: AuthenticatedRequest) -> None:
    if not permissions.can_edit_cost_rates(request.user):
        raise PermissionDenied


def _ranking(request: AuthenticatedRequest, *, q: str = "") -> tuple[list, int | None]:
    owner_id = id_param(request.GET.get("owner"))
    accounts = selectors.portfolio(user=request.user, owner_id=owner_id, q=q)
    window = figures.window_as_of(timezone.localdate())
    return selectors.profit_ranking(accounts=accounts, window=window), owner_id


def _owners(request: AuthenticatedRequest):
    if not permissions.can_see_company_portfolio(request.user):
        return []
    return User.objects.filter(is_active=True, owned_accounts__isnull=False).distinct()


def _common(request: AuthenticatedRequest, owner_id: int | None) -> dict:
    return {
        "window": figures.window_as_of(timezone.localdate()),
        "owners": _owners(request),
        "owner_id": owner_id,
        "conditions_recorded": selectors.conditions_recorded(),
        "last_refresh": selectors.last_refresh(),
    }


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """The whale curve of the company (or of a manager's portfolio) and the served lists."""
    _require_margins(request)
    ranking, owner_id = _ranking(request)
    context = _common(request, owner_id) | {
        "summary": selectors.whale_summary(ranking),
        "whale": selectors.whale_chart(ranking),
        "best": ranking[:10],
        "worst": [
            row for row in ranking[max(10, len(ranking) - 10) :] if row.figures.db4_cents < 0
        ][::-1],
        "over": selectors.over_served(ranking)[:10],
        "under": selectors.under_served(ranking)[:10],
        "cadence_over": _served(ranking, "cadence-over")[:10],
        "cadence_under": selectors.under_cadence(ranking)[:10],
        "can_edit_rates": permissions.can_edit_cost_rates(request.user),
    }
    return render(request, "profitability/overview.html", context)


def _sorted(rows: list, sort: str) -> tuple[list, str]:
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = "-db4", "db4"
    return sorted(rows, key=SORTS[key], reverse=sort.startswith("-")), sort


@login_required
def ranking(request: AuthenticatedRequest) -> HttpResponse:
    """Every account of the curve as a table: rank, DB I-IV, care cost, cumulative DB IV."""
    _require_margins(request)
    q = request.GET.get("q", "").strip()[:100]
    rows, owner_id = _ranking(request, q=q)
    rows, sort = _sorted(rows, request.GET.get("sort", "-db4"))
    page = Paginator(rows, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _common(request, owner_id) | {"page": page, "q": q, "sort": sort}
    return render(request, "profitability/ranking.html", context)


@login_required
def served(request: AuthenticatedRequest) -> HttpResponse:
    """Over-served (care above the entitlement) or under-served key accounts, or over- and
    under-served by the contact cadence against DB IV."""
    _require_margins(request)
    kind = request.GET.get("kind", "over")
    kind = kind if kind in SERVED else "over"
    rows, owner_id = _ranking(request)
    listed = _served(rows, kind)
    page = Paginator(listed, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _common(request, owner_id) | {"page": page, "kind": kind}
    return render(request, "profitability/served.html", context)


@login_required
def export(request: AuthenticatedRequest, kind: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx") or (kind != "accounts" and kind not in SERVED):
        raise Http404
    _require_margins(request)
    rows, _owner_id = _ranking(request)
    if kind in SERVED:
        rows = _served(rows, kind)
    return exports.ranking_response(rows, kind=kind, fmt=fmt)


@login_required
def cockpit_panel(request: AuthenticatedRequest) -> HttpResponse:
    """The cockpit's block (loaded after the page): over- and under-served by cadence."""
    _require_margins(request)
    rows, _owner_id = _ranking(request)
    context = {
        "over": _served(rows, "cadence-over")[:5],
        "under": selectors.under_cadence(rows)[:5],
        "window": figures.window_as_of(timezone.localdate()),
    }
    return render(request, "profitability/_cockpit_panel.html", context)


@login_required
def account_statement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An account's DB I-IV: 12 months, the waterfall, the group's sum."""
    _require_margins(request)
    account = account_get(user=request.user, pk=pk)
    statement = selectors.account_statement(account=account, as_of=timezone.localdate())
    context = {
        "account": account,
        "statement": statement,
        "waterfall": selectors.waterfall_chart(statement.total, waterfall_labels()),
        "conditions_recorded": statement.conditions_recorded,
    }
    return render(request, "profitability/account.html", context)


def waterfall_labels() -> dict[str, str]:
    return {
        "db1": _("DB I"),
        "conditions": _("Special conditions"),
        "care": _("Sales care"),
        "service": _("Service"),
        "erp": _("Freight, packaging, handling (ERP)"),
        "db4": _("DB IV"),
    }


@login_required
def account_month(request: AuthenticatedRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The items behind one month's figures: which contacts, complaints and rates."""
    _require_margins(request)
    account = account_get(user=request.user, pk=pk)
    if not (1990 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    first = datetime.date(year, month, 1)
    context = {
        "account": account,
        "breakdown": month_breakdown(account=account, month=first),
        "conditions_recorded": selectors.conditions_recorded(),
    }
    return render(request, "profitability/month.html", context)


# --- settings: cost rates and care entitlements


@login_required
def rates(request: AuthenticatedRequest) -> HttpResponse:
    _require_rates(request)
    form = EntitlementForm(request.POST or None, shares=dict(_shares()))
    if request.method == "POST" and form.is_valid():
        changed = services.care_entitlements_save(shares=form.shares())
        messages.success(
            request, _("Care entitlements saved (%(count)s changes).") % {"count": changed}
        )
        return redirect("profitability:rates")
    context = {"rate_sets": CostRates.objects.all(), "form": form}
    return render(request, "profitability/rates.html", context)


def _shares():
    from kam.profitability.models import CareEntitlement

    return CareEntitlement.objects.values_list("account_status", "share_percent")


def _rates_form(request: AuthenticatedRequest, instance: CostRates | None) -> HttpResponse:
    _require_rates(request)
    form = CostRatesForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.cost_rates_save(rates=form.instance)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Cost rates saved. The statements of the months concerned are recomputed."),
            )
            return redirect("profitability:rates")
    return render(request, "profitability/rates_form.html", {"form": form, "rates": instance})


def _add_errors(form: CostRatesForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def rates_create(request: AuthenticatedRequest) -> HttpResponse:
    return _rates_form(request, None)


@login_required
def rates_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_rates(request)
    return _rates_form(request, get_object_or_404(CostRates, pk=pk))


@login_required
def rates_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_rates(request)
    rate_set = get_object_or_404(CostRates, pk=pk)
    if request.method == "POST":
        services.cost_rates_delete(rates=rate_set)
        messages.success(request, _("Cost rates deleted; months without rates count no cost."))
        return redirect("profitability:rates")
    return render(
        request,
        "core/confirm_delete.html",
        {"object": rate_set, "cancel_url": reverse("profitability:rates")},
    )
