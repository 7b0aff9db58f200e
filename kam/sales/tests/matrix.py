"""The sales app's rows in the permission matrix (see kam.testing.matrix)."""

from kam.sales.models import ImportStatus, SalesImport
from kam.testing.matrix import Row


def objects(account, users) -> dict:
    done = SalesImport.objects.create(status=ImportStatus.DONE, files=[{"name": "a.csv"}])
    pending = SalesImport.objects.create(
        status=ImportStatus.PENDING, files=[{"name": "b.csv", "path": "/nonexistent/b.csv"}]
    )
    return {"import": done, "pending": pending}


def done_import(objects: dict) -> dict:
    return {"pk": objects["import"].pk}


def pending_import(objects: dict) -> dict:
    return {"pk": objects["pending"].pk}


# Imports touch every account: only administrators and sales leadership may run or see them.
ROWS = [
    Row("sales:import_list", "none", "get", "200 200 403 403 403 302"),
    Row("sales:import_start", "none", "get", "200 200 403 403 403 302"),
    Row("sales:import_detail", "own", "get", "200 200 403 403 403 302", done_import),
    Row("sales:import_preview", "own", "get", "200 200 403 403 403 302", pending_import),
    Row("sales:import_discard", "own", "post", "302 302 403 403 403 302", pending_import),
    Row("sales:import_rejections_csv", "own", "get", "200 200 403 403 403 302", done_import),
]
