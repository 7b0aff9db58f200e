from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from kam.accounts.models import KeyAccountStatus, Stakeholder
from kam.accounts.selectors import account_get, scope_read_once
from kam.analysis.selectors import account_latest_result, loss_scenario, with_area_reasons
from kam.cockpit import account as account_figures
from kam.cockpit import charts, exports, kpis, selectors
from kam.cockpit.alerts import action_alerts
from kam.cockpit.choices import filter_choices
from kam.cockpit.selectors import ResultFilter, scope_for
from kam.core import exports as core_exports
from kam.core import plugins
from kam.core.http import AuthenticatedRequest
from kam.core.permissions import can_view_margins
from kam_analytics import AnalyticsInputError

TOP = 10


@login_required
def cockpit(request: AuthenticatedRequest) -> HttpResponse:
    """The start page: what the viewer's role needs first (see the templates per role)."""
    # The page asks for the viewer's accounts some fifteen times (sections, alerts, panels):
    # their ids are read once.
    with scope_read_once(request.user):
        return _cockpit(request)


def _cockpit(request: AuthenticatedRequest) -> HttpResponse:
    scope = scope_for(request.user, request.GET)
    if scope.is_service:
        return _service_cockpit(request)
    # The sections built from the stored run are rendered once per run and kind of viewer and
    # kept in the cache (the template's {% cache %}): lazy values are only computed on a miss.
    context = {
        "scope": scope,
        "filters": scope.filters,
        "choices": SimpleLazyObject(lambda: filter_choices(scope)),
        "sections_key": scope.cache_key,
        "accounts_key": scope.accounts_cache_key,
        "cache_seconds": settings.KAM_COCKPIT_CACHE_SECONDS,
        "classes": SimpleLazyObject(lambda: selectors.abc_split(scope)),
        "tomorrow": SimpleLazyObject(lambda: selectors.tomorrow_top(scope, limit=TOP)),
        "movers": SimpleLazyObject(lambda: selectors.movers(scope, limit=TOP)),
        "kpis": SimpleLazyObject(lambda: kpis.kpis_by_owner(scope)),
        "bubbles": SimpleLazyObject(lambda: selectors.portfolio_bubbles(scope)),
        "panels": plugins.cockpit_panels(request),
    }
    if scope.sees_portfolio:
        context["concentration"] = SimpleLazyObject(lambda: selectors.concentration(scope))
        context["dependency"] = SimpleLazyObject(lambda: selectors.dependency_alerts(scope))
    else:
        context["alerts"] = action_alerts(scope)
    # Rendered here, inside the reading of the scope once (the sections are lazy).
    return render(request, "cockpit/cockpit.html", context)


def _service_cockpit(request: AuthenticatedRequest) -> HttpResponse:
    """Customer service: the accounts with status and stakeholders, no figures."""
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:100]
    accounts = scope_for(request.user).accounts.select_related("owner").order_by("name", "id")
    if status in KeyAccountStatus.values:
        accounts = accounts.filter(status=status)
    if q:
        accounts = accounts.filter(name__icontains=q) | accounts.filter(
            customer_number__istartswith=q
        )
    accounts = accounts.prefetch_related(
        Prefetch("stakeholders", queryset=Stakeholder.objects.order_by("last_name"))
    )
    page = Paginator(accounts, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "q": q, "statuses": KeyAccountStatus.choices}
    return render(request, "cockpit/service.html", context)


#: The default sort of each list.
LISTS = {"abc": "-revenue", "tomorrow": "tomorrow"}


def _list_context(request: AuthenticatedRequest, kind: str) -> dict:
    scope = scope_for(request.user, request.GET)
    filters = ResultFilter.from_query(request.GET, default_sort=LISTS[kind])
    rows = selectors.result_list(scope, filters)
    page = Paginator(rows, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"scope": scope, "filters": filters, "page": page, "kind": kind}


@login_required
def abc_list(request: AuthenticatedRequest) -> HttpResponse:
    context = _list_context(request, "abc") | {"title": _("ABC list")}
    return render(request, "cockpit/result_list.html", context)


@login_required
def tomorrow_list(request: AuthenticatedRequest) -> HttpResponse:
    context = _list_context(request, "tomorrow") | {"title": _("Tomorrow's top customers")}
    context["page"].object_list = with_area_reasons(context["page"].object_list)
    return render(request, "cockpit/result_list.html", context)


@login_required
def kpi_table(request: AuthenticatedRequest) -> HttpResponse:
    scope = scope_for(request.user, request.GET)
    sort = kpis.kpi_sort(request.GET.get("sort", "-revenue"), show_margins=scope.show_margins)
    rows = kpis.kpis_by_owner(scope, sort=sort, details=True)
    context = {
        "scope": scope,
        "filters": scope.filters,
        "choices": SimpleLazyObject(lambda: filter_choices(scope)),
        "kpis": rows,
        "sort": sort,
    }
    return render(request, "cockpit/kpi_table.html", context)


@login_required
def loss(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """What the company loses with this account (and its group members): one click from an
    alert. Reads the stored results of the latest run."""
    account = account_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    context: dict = {"scope": scope, "account": account, "scenario": None, "error": ""}
    if scope.run is not None:
        try:
            context["scenario"] = loss_scenario(scope.run, account)
        except AnalyticsInputError:
            context["error"] = _("Without this account no revenue would be left to compare.")
    return render(request, "cockpit/loss.html", context)


@login_required
def group_figures(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The group tab's combined figures, loaded when the tab is opened."""
    account = account_get(user=request.user, pk=pk)
    overview = account_figures.group_overview(
        account, user=request.user, today=timezone.localdate()
    )
    context = {
        "account": account,
        "group": overview,
        "show_margins": can_view_margins(request.user),
    }
    return render(request, "cockpit/_group_figures.html", context)


@login_required
def export(request: AuthenticatedRequest, kind: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS or kind not in ("abc", "tomorrow", "kpis"):
        raise Http404
    scope = scope_for(request.user, request.GET)
    if kind == "kpis":
        sort = kpis.kpi_sort(request.GET.get("sort", "-revenue"), show_margins=scope.show_margins)
        rows: Iterable = kpis.kpis_by_owner(scope, sort=sort, details=True)
        columns = exports.kpi_columns(scope)
    else:
        filters = ResultFilter.from_query(request.GET, default_sort=LISTS[kind])
        rows = selectors.result_list(scope, filters).iterator(chunk_size=2000)
        columns = exports.result_columns(scope)
    title = exports.titles()[kind]
    name = f"{kind}-{timezone.localdate():%Y-%m-%d}"
    return core_exports.response(columns, rows, fmt=fmt, title=title, filename=name)


# --- JSON for the charts: the same selectors as the pages


def _json(data: dict) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def chart_abc(request: AuthenticatedRequest) -> JsonResponse:
    scope = scope_for(request.user, request.GET)
    return _json(charts.abc_chart(scope, selectors.abc_split(scope)))


@login_required
def chart_lorenz(request: AuthenticatedRequest) -> JsonResponse:
    scope = scope_for(request.user, request.GET)
    if not scope.sees_portfolio:
        raise Http404
    return _json(charts.lorenz_chart(scope))


@login_required
def chart_portfolio(request: AuthenticatedRequest) -> JsonResponse:
    scope = scope_for(request.user, request.GET)
    return _json(charts.portfolio_chart(selectors.portfolio_bubbles(scope)))


@login_required
def chart_kpis(request: AuthenticatedRequest) -> JsonResponse:
    scope = scope_for(request.user, request.GET)
    return _json(charts.kpi_chart(scope, kpis.kpis_by_owner(scope)))


@login_required
def chart_account(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    account = account_get(user=request.user, pk=pk)
    months = account_figures.account_chart(
        account, account_latest_result(account), today=timezone.localdate()
    )
    return _json(charts.account_chart(months, show_margins=can_view_margins(request.user)))
