from pathlib import Path

from django_tasks import task

from kam.core.audit import Source, audit_source
from kam.sales.importer import ImportRefused, import_sales
from kam.sales.models import SalesImport
from kam.sales.services import analysis_after_import


@task()
def run_sales_import(import_id: int) -> None:
    """Runs an uploaded import in the worker; progress is on the SalesImport row."""
    record = SalesImport.objects.get(pk=import_id)
    paths = [Path(entry["path"]) for entry in record.files]
    names = [entry["name"] for entry in record.files]
    with audit_source(Source.IMPORT):
        try:
            import_sales(
                paths=paths,
                names=names,
                mapping=record.mapping.get("overrides") or None,
                user=record.user,
                source=Source.UI,
                sales_import=record,
            )
        except ImportRefused:
            return  # the record says why; nothing was written
    analysis_after_import()


def on_task_interrupted(task_path: str, kwargs: dict) -> None:
    """kam.core.workers: the worker running a task of this module died."""
    from kam.sales.services import sales_import_interrupted

    if task_path == f"{__name__}.run_sales_import" and "import_id" in kwargs:
        sales_import_interrupted(import_id=kwargs["import_id"])
