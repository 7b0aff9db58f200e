"""The sales app's rows in the permission matrix (see kam.testing.matrix)."""

from kam.sales.models import ImportStatus, SalesImport
from kam.testing.matrix import Row, allowed


def objects(account, users) -> dict:
    done = SalesImport.objects.create(status=ImportStatus.DONE, files=[{"name": "a.csv"}])
    pending = SalesImport.objects.create(
        status=ImportStatus.PENDING, files=[{"name": "b.csv", "path": "/nonexistent/b.csv"}]
    )
    failed = SalesImport.objects.create(status=ImportStatus.FAILED, files=[{"name": "c.csv"}])
    return {"import": done, "pending": pending, "failed": failed}


def done_import(objects: dict) -> dict:
    return {"pk": objects["import"].pk}


def pending_import(objects: dict) -> dict:
    return {"pk": objects["pending"].pk}


def failed_import(objects: dict) -> dict:
    return {"pk": objects["failed"].pk}


def api_done_import(objects: dict) -> dict:
    return {"import_id": objects["import"].pk}


# Imports touch every account: only administrators and sales leadership may run or see them.
IMPORTERS = allowed("can_import_sales", "200", "403")
API_IMPORTERS = allowed("can_import_sales", "200", "403", anonymous="401")
ROWS = [
    Row("sales:import_list", "none", "get", IMPORTERS),
    Row("sales:import_start", "none", "get", IMPORTERS),
    Row("sales:import_detail", "own", "get", IMPORTERS, done_import),
    Row("sales:import_preview", "own", "get", IMPORTERS, pending_import),
    Row(
        "sales:import_discard",
        "own",
        "post",
        allowed("can_import_sales", "302", "403"),
        pending_import,
    ),
    Row("sales:import_rejections_csv", "own", "get", IMPORTERS, done_import),
    Row(
        "sales:import_resume",
        "own",
        "post",
        allowed("can_import_sales", "302", "403"),
        failed_import,
    ),
    # The JSON API: a missing file is refused before the permission check (422); the upload
    # itself is refused to non-importers with 403 (kam/sales/tests/test_import_api.py).
    Row("api:start_import", "none", "post", "422 422 422 422 422 401"),
    Row("api:get_import", "own", "get", API_IMPORTERS, api_done_import),
    Row("api:get_import_report", "own", "get", API_IMPORTERS, api_done_import),
]
