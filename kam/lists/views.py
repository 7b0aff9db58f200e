"""The account list with figures (`/accounts/`), its exports, saved views and bulk actions."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

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
from django.views.decorators.http import require_POST

from kam.accounts.models import KeyAccountStatus
from kam.accounts.selectors import account_filter_choices
from kam.core import exports, permissions
from kam.core.http import AuthenticatedRequest
from kam.lists import selectors, services
from kam.lists.columns import COLUMNS
from kam.lists.forms import BulkForm, SavedViewForm

FORMATS = ("csv", "xlsx")


def _view(request: AuthenticatedRequest) -> selectors.ListView:
    show_margins = permissions.can_view_margins(request.user)
    return selectors.list_view_from_query(request.GET, show_margins=show_margins)


def _list_query(request: AuthenticatedRequest) -> str:
    """The list's filters, columns and sort without the page: what a saved view keeps."""
    params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
    return urlencode(params)


@login_required
def account_list(request: AuthenticatedRequest) -> HttpResponse:
    view = _view(request)
    rows = selectors.account_rows(user=request.user, view=view)
    page = Paginator(rows, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": view.filters,
        "view": view,
        "sort": view.sort,
        "list_query": _list_query(request),
        "can_bulk": _can_bulk(request.user),
        "statuses": KeyAccountStatus.choices,
        "can_create": permissions.can_create_accounts(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "accounts/_account_table.html", context)
    show_margins = permissions.can_view_margins(request.user)
    context |= {
        "all_columns": [c for c in COLUMNS.values() if show_margins or not c.margin],
        "saved_views": selectors.saved_views(request.user),
        "view_form": SavedViewForm(initial={"query": context["list_query"]}),
        "bulk_form": BulkForm(user=request.user),
        "can_segment": permissions.can_send_mailings(request.user),
        **account_filter_choices(request.user),
    }
    return render(request, "accounts/account_list.html", context)


def _export_columns(view: selectors.ListView) -> list[exports.Column]:
    base = [
        exports.Column(_("Customer number"), lambda a: a.customer_number),
        exports.Column(_("Name"), lambda a: a.name),
        exports.Column(_("Key account status"), lambda a: a.get_status_display()),
        exports.Column(_("Key account manager"), lambda a: str(a.owner) if a.owner_id else ""),
    ]
    return base + [exports.Column(str(c.label), c.export, c.kind) for c in view.columns]


@login_required
def account_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The filtered list (every page) with the chosen columns, through the shared writers."""
    if fmt not in FORMATS:
        raise Http404
    view = _view(request)
    rows = selectors.account_rows(user=request.user, view=view).iterator(chunk_size=2000)
    name = f"accounts-{timezone.localdate():%Y-%m-%d}"
    return exports.response(
        _export_columns(view), rows, fmt=fmt, title=_("Accounts"), filename=name
    )


# --- saved views


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _list_url(query: str) -> str:
    """The list's URL with a query from a form, re-encoded (no stray characters in a header)."""
    clean = urlencode(parse_qsl(query.lstrip("?")[:2000]))
    return reverse("accounts:list") + (f"?{clean}" if clean else "")


@login_required
@require_POST
def view_save(request: AuthenticatedRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(_list_url(request.POST.get("query", "")))
    view = services.saved_view_save(user=request.user, **form.cleaned_data)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(view.query))


@login_required
@require_POST
def view_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(selectors.saved_views(request.user), pk=pk)
    services.saved_view_delete(view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("accounts:list")


# --- bulk actions: a confirmation page, then one atomic change with one audit event


def _can_bulk(user) -> bool:
    return permissions.can_bulk_edit_accounts(user) or permissions.can_send_mailings(user)


def _bulk_run(request: AuthenticatedRequest, form: BulkForm):
    data = form.cleaned_data
    if data["action"] == "add_to_segment":
        from kam.campaigns.segments import segment_add_accounts

        return segment_add_accounts(
            segment=data["segment"],
            name=data["segment_name"],
            user=request.user,
            ids=data["ids"],
        )
    if data["action"] == "assign_owner":
        return services.accounts_assign_owner(
            user=request.user, ids=data["ids"], owner=data["owner"]
        )
    return services.accounts_set_status(
        user=request.user, ids=data["ids"], status=data["status"], reason=data["reason"]
    )


@login_required
@require_POST
def bulk(request: AuthenticatedRequest) -> HttpResponse:
    if not _can_bulk(request.user):
        raise PermissionDenied
    form = BulkForm(request.POST, user=request.user)
    back = _list_url(request.POST.get("list_query", ""))
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        accounts = list(_selection(request, form))
        context = {
            "form": form,
            "accounts": accounts,
            "skipped": len(set(form.cleaned_data["ids"])) - len(accounts),
            "back": back,
            "list_query": request.POST.get("list_query", ""),
            "status_label": dict(KeyAccountStatus.choices).get(
                form.cleaned_data.get("status") or ""
            ),
        }
        return render(request, "lists/bulk_confirm.html", context)
    try:
        event = _bulk_run(request, form)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, _done(form, event.row_count))
    return redirect(back)


def _selection(request: AuthenticatedRequest, form: BulkForm):
    """The selected accounts the action may touch: those the user may change, or for a
    segment those the user may see."""
    ids = form.cleaned_data["ids"]
    if form.cleaned_data["action"] == "add_to_segment":
        return selectors.visible_selection(user=request.user, ids=ids)
    return selectors.editable_selection(user=request.user, ids=ids)


def _done(form: BulkForm, count: int) -> str:
    if form.cleaned_data["action"] == "add_to_segment":
        return _("%(n)s accounts added to the segment.") % {"n": count}
    return _("%(n)s accounts changed.") % {"n": count}
