from pathlib import Path

from django_tasks import task

from kam.core.audit import Source, audit_source
from kam.sales.importer import ImportRefused, import_sales
from kam.sales.models import SalesImport
from kam.sales.services import sales_import_finished


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
    sales_import_finished(sales_import=record)


DRY_RUN_REJECTIONS_KEPT = 1000  # the page lists 100; the count is always complete


@task()
def run_sales_dry_run(import_id: int) -> None:
    """Checks a waiting upload in the worker (nothing is written); progress and report go to
    the record's ``dry_run_result``."""
    record = SalesImport.objects.get(pk=import_id)
    result = dict(record.dry_run_result)

    def progress(_name: str, done: int, _expected: int) -> None:
        result["rows"] = done
        SalesImport.objects.filter(pk=import_id).update(dry_run_result=result)

    try:
        report, _ = import_sales(
            paths=[Path(entry["path"]) for entry in record.files],
            names=[entry["name"] for entry in record.files],
            mapping=result.get("mapping") or None,
            dry_run=True,
            progress=progress,
        )
    except ImportRefused as refused:
        result.update(status="failed", error=str(refused))
    except Exception as error:
        result.update(status="failed", error=repr(error))
        SalesImport.objects.filter(pk=import_id).update(dry_run_result=result)
        raise
    else:
        report_json = report.as_json()
        result.update(
            status="done",
            rows=report.rows,
            rejected_count=len(report.rejected),
            accounts_created=report.accounts_created,
            report=report_json | {"rejected": report_json["rejected"][:DRY_RUN_REJECTIONS_KEPT]},
        )
    SalesImport.objects.filter(pk=import_id).update(dry_run_result=result)


def on_task_interrupted(task_path: str, kwargs: dict) -> None:
    """kam.core.workers: the worker running a task of this module died."""
    from kam.sales.services import sales_import_interrupted

    if task_path == f"{__name__}.run_sales_import" and "import_id" in kwargs:
        sales_import_interrupted(import_id=kwargs["import_id"])
