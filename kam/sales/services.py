"""Writes of the sales app besides the importer itself."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kam.core.plugins import hooks_call
from kam.sales.models import ImportProfile, ImportStatus, SalesImport


def sales_import_finished(*, sales_import: SalesImport) -> None:
    """Announces a finished import to every app's `hooks.on_sales_import_finished` (see
    kam.core.plugins) once the import's transaction commits; analysis queues a run there."""
    transaction.on_commit(
        lambda: hooks_call("hooks", "on_sales_import_finished", sales_import=sales_import)
    )


@transaction.atomic
def import_profile_save(*, name: str, mapping: dict[str, str], user=None) -> ImportProfile:
    profile, _ = ImportProfile.objects.update_or_create(
        name=name, defaults={"mapping": mapping, "created_by": user}
    )
    return profile


def _upload_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sales_import_store_upload(*, upload) -> Path:
    """Stores an uploaded file under a random name in the data directory's upload folder."""
    path = _upload_folder() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def sales_import_create(*, user, upload, mapping: dict[str, str] | None = None) -> SalesImport:
    """A waiting import of one uploaded file (the import page's first step: preview and mapping
    come next); `mapping` is a saved profile's, if one was chosen."""
    path = sales_import_store_upload(upload=upload)
    try:
        with transaction.atomic():
            return SalesImport.objects.create(
                user=user,
                source="ui",
                status=ImportStatus.PENDING,
                files=[{"name": upload.name, "path": str(path)}],
                mapping={"overrides": mapping or {}},
            )
    except Exception:
        path.unlink(missing_ok=True)
        raise


@transaction.atomic
def sales_import_set_mapping(*, sales_import: SalesImport, mapping: dict[str, str]) -> SalesImport:
    """The column mapping a waiting import will run (and dry-run) with."""
    if sales_import.status != ImportStatus.PENDING:
        raise ValueError("only a waiting import can be mapped")
    sales_import.mapping = {"overrides": mapping}
    sales_import.save(update_fields=["mapping"])
    return sales_import


@transaction.atomic
def sales_import_start(*, sales_import: SalesImport) -> SalesImport:
    """Runs a waiting import in the worker. The status changes in one conditional update, so a
    second click (or a second tab) cannot start the same import twice."""
    from kam.sales.tasks import run_sales_import

    started = SalesImport.objects.filter(pk=sales_import.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING
    )
    if not started:
        raise ValueError("only a waiting import can be started")
    sales_import.status = ImportStatus.RUNNING
    transaction.on_commit(lambda: run_sales_import.enqueue(import_id=sales_import.pk))
    return sales_import


@transaction.atomic
def sales_import_submit(
    *, user, name: str, path: Path, mapping: dict[str, str], source: str
) -> SalesImport:
    """An import of one stored upload that runs in the worker at once (the JSON API's path:
    no preview, the mapping or profile comes with the upload)."""
    from kam.sales.tasks import run_sales_import

    record = SalesImport.objects.create(
        user=user,
        source=source,
        status=ImportStatus.RUNNING,
        files=[{"name": name, "path": str(path)}],
        mapping={"overrides": mapping},
    )
    transaction.on_commit(lambda: run_sales_import.enqueue(import_id=record.pk))
    return record


@transaction.atomic
def sales_dry_run_start(record: SalesImport, *, mapping: dict[str, str]) -> None:
    """Checks a waiting upload with this mapping in the worker (progress on the record)."""
    from kam.sales.importer import expected_rows
    from kam.sales.tasks import run_sales_dry_run

    record.dry_run_result = {
        "status": "running",
        "mapping": mapping,
        "rows": 0,
        "rows_expected": sum(expected_rows(Path(entry["path"])) for entry in record.files),
    }
    record.save(update_fields=["dry_run_result"])
    transaction.on_commit(lambda: run_sales_dry_run.enqueue(import_id=record.pk))


def _interrupted_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "The background process was interrupted; you can resume or discard the import."
        )


def sales_import_interrupted(*, import_id: int) -> bool:
    """The worker running the import died (kam.core.workers): the import is failed, to be
    resumed or discarded. True if it was running."""
    return bool(
        SalesImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, error=_interrupted_message(), finished_at=timezone.now()
        )
    )


@transaction.atomic
def sales_import_resume(*, sales_import: SalesImport) -> SalesImport:
    """Runs a failed import again in the worker; the importer is idempotent, so the lines
    stored before it failed are matched, not doubled."""
    from kam.sales.tasks import run_sales_import

    if sales_import.status != ImportStatus.FAILED:
        raise ValueError("only a failed import can be resumed")
    sales_import.status, sales_import.error, sales_import.finished_at = (
        ImportStatus.RUNNING,
        "",
        None,
    )
    sales_import.save(update_fields=["status", "error", "finished_at"])
    transaction.on_commit(lambda: run_sales_import.enqueue(import_id=sales_import.pk))
    return sales_import


@transaction.atomic
def sales_import_discard(*, sales_import: SalesImport) -> None:
    """Removes a waiting or failed import and its uploaded files (lines it stored stay: they
    are sales that happened)."""
    if sales_import.status not in (ImportStatus.PENDING, ImportStatus.FAILED):
        raise ValueError("only a waiting or failed import can be discarded")
    paths = [Path(entry["path"]) for entry in sales_import.files if entry.get("path")]
    sales_import.delete()
    transaction.on_commit(lambda: _files_remove(paths))


def _files_remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
