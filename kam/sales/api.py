"""JSON API of sales imports, for an ERP that pushes its export nightly: upload a file with a
mapping or a saved profile, get the import's id, poll its status and fetch its report (the
JSON of `kam import-sales --report`). Only users with the import right (403 for others)."""

import json
from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from kam.core.audit import Source
from kam.core.permissions import can_import_sales
from kam.sales import selectors, services
from kam.sales.forms import ALLOWED_SUFFIXES
from kam.sales.models import ImportProfile, ImportStatus, SalesImport
from kam.sales.reading import CANONICAL_FIELDS, FileRefused, open_sales_file
from kam.sales.reading.messages import file_reason_in, row_reason_in

router = Router(tags=["imports"])


class Problem(Schema):
    detail: str


class ValidationProblem(Schema):
    detail: list[dict]


class Rejection(Schema):
    file: str
    line: int
    column: str | None
    value: str | None
    reason: str
    code: str | None


class ImportReport(Schema):
    files: list[str]
    rows: int
    imported: int
    updated: int
    unchanged: int
    duplicates_in_file: int
    rejected: list[Rejection]


class ImportStatusOut(Schema):
    id: int
    status: str
    files: list[str]
    created_at: datetime
    finished_at: datetime | None
    rows_expected: int
    rows: int
    progress_percent: int
    rejected_count: int
    accounts_created: int
    error: str

    @staticmethod
    def resolve_files(record: SalesImport) -> list[str]:
        return record.file_names


ERRORS = {401: Problem, 403: Problem, 404: Problem}


def _importer_only(request) -> None:
    if not can_import_sales(request.user):
        raise HttpError(403, "Sie dürfen keine Umsatzdaten importieren.")


def _mapping(profile: str | None, mapping: str | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    if profile:
        saved = ImportProfile.objects.filter(name=profile).first()
        if saved is None:
            raise HttpError(400, f"Importprofil {profile!r} gibt es nicht.")
        chosen.update(saved.mapping)
    if mapping:
        try:
            given = json.loads(mapping)
        except ValueError:
            raise HttpError(400, "mapping: erwartet ein JSON-Objekt Feld → Spalte.") from None
        if not isinstance(given, dict) or not all(
            isinstance(value, str) for value in given.values()
        ):
            raise HttpError(400, "mapping: erwartet ein JSON-Objekt Feld → Spalte.")
        unknown = sorted(set(given) - set(CANONICAL_FIELDS))
        if unknown:
            fields = ", ".join(CANONICAL_FIELDS)
            raise HttpError(400, f"mapping: unbekannte Felder {unknown}; Felder: {fields}")
        chosen.update(given)
    return chosen


def _check_upload(file: UploadedFile) -> None:
    if (file.size or 0) > settings.KAM_MAX_UPLOAD_MB * 1024 * 1024:
        raise HttpError(413, f"Die Datei ist größer als {settings.KAM_MAX_UPLOAD_MB} MB.")
    if not (file.name or "").lower().endswith(ALLOWED_SUFFIXES):
        raise HttpError(400, "Bitte eine CSV- oder XLSX-Datei senden.")


@router.post(
    "/",
    response={202: ImportStatusOut, 400: Problem, 413: Problem, 422: ValidationProblem, **ERRORS},
)
def start_import(
    request,
    file: File[UploadedFile],
    profile: Form[str | None] = None,
    mapping: Form[str | None] = None,
):
    """Uploads one export (multipart: `file`; optional `profile`, the name of a saved import
    profile, and `mapping`, a JSON object of field → column heading that overrides it) and
    starts its import in the background. 202 with the import's id; 400 when the file cannot
    be imported (nothing is stored then)."""
    _importer_only(request)
    _check_upload(file)
    chosen = _mapping(profile, mapping)
    path = services.sales_import_store_upload(upload=file)
    try:
        open_sales_file(path, mapping_overrides=chosen or None)
    except FileRefused as refused:
        path.unlink(missing_ok=True)
        raise HttpError(400, file_reason_in(_language(request), str(refused))) from None
    record = services.sales_import_submit(
        user=request.user, name=file.name or path.name, path=path, mapping=chosen, source=Source.API
    )
    return Status(202, record)


def _language(request) -> str:
    """The caller's language: their own setting (a token's user has no session the middleware
    could read it from), else the request's (Accept-Language)."""
    own = getattr(request.user, "language", "") if request.user.is_authenticated else ""
    return own or translation.get_language() or settings.LANGUAGE_CODE


def _in_language(report: dict, language: str) -> dict:
    """The report's reasons in `language` (the reader stores them in German, with a code)."""
    for rejection in report["rejected"]:
        rejection["reason"] = row_reason_in(language, rejection["code"] or "", rejection["reason"])
    return report


def _visible_import(request, import_id: int) -> SalesImport:
    _importer_only(request)
    return get_object_or_404(selectors.imports_visible_to(request.user), pk=import_id)


@router.get("/{import_id}", response={200: ImportStatusOut, **ERRORS})
def get_import(request, import_id: int):
    """The import's status (`pending`, `running`, `done`, `failed`, `interrupted`) and figures."""
    return _visible_import(request, import_id)


@router.get("/{import_id}/report", response={200: ImportReport, 409: Problem, **ERRORS})
def get_import_report(request, import_id: int):
    """The report of a finished import, as `kam import-sales --report` writes it; 409 while
    the import is still waiting or running."""
    record = _visible_import(request, import_id)
    if record.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        raise HttpError(409, "Der Import läuft noch.")
    return _in_language(selectors.import_report(record), _language(request))
