"""Writes of the sales app besides the importer itself."""

import importlib
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction

from kam.sales.models import ImportProfile, ImportStatus, SalesImport


def analysis_after_import() -> None:
    """Starts an analysis run in the background once new sales are in (when kam.analysis is on)."""
    if not apps.is_installed("kam.analysis"):
        return
    analysis_tasks = importlib.import_module("kam.analysis.tasks")
    hook = getattr(analysis_tasks, "analysis_after_import", None)
    if hook is not None:
        transaction.on_commit(hook)


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


def upload_store(upload) -> Path:
    """Stores an uploaded file under a random name in the data directory's upload folder."""
    path = _upload_folder() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


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
