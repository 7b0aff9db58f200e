import contextlib
import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.exports import neutralise
from kam.core.http import AuthenticatedRequest
from kam.core.permissions import can_import_sales
from kam.sales import selectors, services
from kam.sales.forms import FIELD_LABELS, MappingForm, UploadForm
from kam.sales.models import ImportStatus, SalesImport
from kam.sales.preview import FileRefused, upload_preview
from kam.sales.reading.messages import row_reason_in

PREVIEW_ROWS = 10


def _importer_only(request: AuthenticatedRequest) -> None:
    if not can_import_sales(request.user):
        raise PermissionDenied


@login_required
def import_start(request: AuthenticatedRequest) -> HttpResponse:
    _importer_only(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        profile = form.cleaned_data["profile"]
        record = services.sales_import_create(
            user=request.user, upload=upload, mapping=profile.mapping if profile else None
        )
        return redirect("sales:import_preview", pk=record.pk)
    return render(request, "sales/import_start.html", {"form": form})


def _pending(request: AuthenticatedRequest, pk: int) -> SalesImport:
    return get_object_or_404(
        selectors.imports_visible_to(request.user), pk=pk, status=ImportStatus.PENDING
    )


def _pending_or_failed(request: AuthenticatedRequest, pk: int) -> SalesImport:
    return get_object_or_404(
        selectors.imports_visible_to(request.user).filter(
            status__in=(ImportStatus.PENDING, ImportStatus.FAILED)
        ),
        pk=pk,
    )


@login_required
def import_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importer_only(request)
    record = _pending(request, pk)
    if request.headers.get("HX-Target") == "dry-run":  # the dry run's progress poll
        return render(request, "sales/_dry_run.html", {"record": record})
    overrides = record.mapping.get("overrides") or None
    try:
        preview = upload_preview(record.files[0]["path"], overrides=overrides, rows=PREVIEW_ROWS)
    except FileRefused as refused:
        return render(request, "sales/import_preview.html", {"record": record, "refused": refused})
    form = MappingForm(request.POST or None, headings=preview.headings, detected=preview.mapping)
    context = {
        "record": record,
        "sales_file": preview,
        "form": form,
        "preview": preview.rows,
        "field_labels": FIELD_LABELS,
    }
    if request.method == "POST" and form.is_valid():
        return _preview_action(request, record, form)
    return render(request, "sales/import_preview.html", context)


def _preview_action(request, record: SalesImport, form: MappingForm) -> HttpResponse:
    mapping = {field: heading for field, heading in form.mapping().items()}
    services.sales_import_set_mapping(sales_import=record, mapping=mapping)
    if form.cleaned_data["profile_name"]:
        services.import_profile_save(
            name=form.cleaned_data["profile_name"], mapping=mapping, user=request.user
        )
        messages.success(request, _("Import profile saved."))
    if "dry_run" in request.POST:
        # In the worker: a large file would hold a web process for many seconds and much memory.
        services.sales_dry_run_start(record, mapping=mapping)
        return redirect(reverse("sales:import_preview", args=[record.pk]) + "#dry-run")
    if "run" in request.POST:
        with contextlib.suppress(ValueError):  # started meanwhile (a second click): show it
            services.sales_import_start(sales_import=record)
        return redirect("sales:import_detail", pk=record.pk)
    return redirect("sales:import_preview", pk=record.pk)


@login_required
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    _importer_only(request)
    imports = selectors.imports_visible_to(request.user).order_by("-created_at")
    page = Paginator(imports, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sales/import_list.html", {"page": page})


@login_required
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importer_only(request)
    record = get_object_or_404(selectors.imports_visible_to(request.user), pk=pk)
    rejections = Paginator(record.rejections.all(), 100).get_page(request.GET.get("page"))
    context = {"record": record, "rejections": rejections, "changes": record.changes.count()}
    if request.headers.get("HX-Target") == "import-rejections":  # a page of the table
        return render(request, "sales/_import_rejections.html", context)
    if request.headers.get("HX-Request"):
        # The progress poll; its last answer brings the finished table along (out of band).
        return render(request, "sales/_import_poll.html", context)
    return render(request, "sales/import_detail.html", context)


@login_required
def import_rejections_csv(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importer_only(request)
    record = get_object_or_404(selectors.imports_visible_to(request.user), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-abgelehnt.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("File"), _("Line"), _("Column"), _("Value"), _("Reason")])
    for rejection in record.rejections.iterator():
        writer.writerow(
            neutralise(
                [
                    rejection.file,
                    rejection.line,
                    rejection.column or "",
                    rejection.value or "",
                    row_reason_in(get_language(), rejection.code, rejection.reason),
                ]
            )
        )
    return response


@login_required
@require_POST
def import_discard(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importer_only(request)
    record = _pending_or_failed(request, pk)
    services.sales_import_discard(sales_import=record)
    messages.info(request, _("Upload discarded."))
    return redirect("sales:import_list")


@login_required
@require_POST
def import_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Runs a failed (e.g. interrupted) import again; lines it stored before are matched."""
    _importer_only(request)
    record = get_object_or_404(
        selectors.imports_visible_to(request.user), pk=pk, status=ImportStatus.FAILED
    )
    services.sales_import_resume(sales_import=record)
    messages.info(request, _("The import runs again."))
    return redirect("sales:import_detail", pk=record.pk)
