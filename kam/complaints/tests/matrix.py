"""The complaints URLs in the permission matrix (see kam.testing.matrix)."""

from kam.complaints import services
from kam.complaints.models import SlaOverride, Status
from kam.complaints.satisfaction import make_token
from kam.complaints.tests.factories import make_complaint, pdf_upload, root_cause
from kam.testing.matrix import Row, allowed


def objects(account, users) -> dict:
    complaint = make_complaint(account, users["alice"])
    attachment = services.attachment_add(complaint=complaint, file=pdf_upload(), user=None)
    closed = make_complaint(account, users["alice"])
    for step in (Status.ACKNOWLEDGED, Status.IN_ANALYSIS, Status.SOLUTION_PROPOSED):
        services.complaint_transition(complaint=closed, to_status=step, user=None)
    services.complaint_transition(complaint=closed, to_status=Status.RESOLVED, user=None)
    services.complaint_transition(
        complaint=closed,
        to_status=Status.CLOSED,
        user=None,
        resolution={"root_cause": root_cause(), "remedy_given": "Ersatzlieferung"},
    )
    override = SlaOverride.objects.create(
        account=account, severity="critical", acknowledge_hours=1, resolve_hours=9
    )
    return {
        "complaint": complaint,
        "attachment": attachment,
        "token": make_token(closed),
        "override": override,
    }


def complaint_pk(objects: dict) -> dict:
    return {"pk": objects["complaint"].pk}


def attachment_kwargs(objects: dict) -> dict:
    return {"pk": objects["complaint"].pk, "attachment_pk": objects["attachment"].pk}


def token_kwargs(objects: dict) -> dict:
    return {"token": objects["token"]}


def override_kwargs(objects: dict) -> dict:
    return {"override_pk": objects["override"].pk}


def api_complaint(objects: dict) -> dict:
    return {"complaint_id": objects["complaint"].pk}


ACK = {"to": "acknowledged"}
#: Hours alone: the form is refused (200) where the user may edit, nothing is written.
HOURS = {"handling_hours": "2,5"}
SETTINGS = allowed("can_manage_complaint_settings", "200", "403")
DELETERS = allowed("can_delete_complaints", "200", "403")
# root, leader, alice (owns "own"), bob (edit seat on "own"), sam (customer service), anonymous
ROWS = [
    Row("complaints:list", "none", "get", "200 200 200 200 200 302"),
    Row("complaints:create", "none", "get", "200 200 200 200 200 302"),
    Row("complaints:analysis", "none", "get", "200 200 200 200 200 302"),
    Row("complaints:handled_accounts", "none", "get", "200 200 200 200 200 302"),
    Row("complaints:sla_settings", "none", "get", SETTINGS),
    Row("complaints:sla_override_create", "none", "get", SETTINGS),
    Row("complaints:lists", "none", "get", SETTINGS),
    Row("api:list_complaints", "none", "get", "200 200 200 200 200 401"),
    Row("api:get_complaint", "own", "get", "200 200 200 200 200 401", api_complaint),
    Row("api:get_complaint", "foreign", "get", "200 200 404 404 200 401", api_complaint),
    Row(
        "complaints:taxonomy_create",
        "none",
        "get",
        allowed("can_manage_complaint_settings", "405", "403"),
        lambda objects: {"kind": "categories"},
    ),
    Row(
        "complaints:taxonomy_update",
        "none",
        "post",
        allowed("can_manage_complaint_settings", "302", "403"),
        lambda objects: {"kind": "causes", "pk": root_cause().pk},
        {"name": "Transport", "position": "10", "active": "on"},
    ),
    Row("complaints:sla_override_delete", "own", "get", SETTINGS, override_kwargs),
    Row("complaints:satisfaction", "own", "get", "200 200 200 200 200 200", token_kwargs),
    Row("complaints:detail", "own", "get", "200 200 200 200 200 302", complaint_pk),
    Row("complaints:detail", "foreign", "get", "200 200 404 404 200 302", complaint_pk),
    Row("complaints:update", "own", "get", "200 200 200 200 200 302", complaint_pk),
    Row("complaints:update", "foreign", "get", "200 200 404 404 200 302", complaint_pk),
    # Booking handling hours (a cost driver of DB IV) is the edit form's POST: the same gate.
    Row("complaints:update", "own", "post", "200 200 200 200 200 302", complaint_pk, HOURS),
    Row("complaints:update", "foreign", "post", "200 200 404 404 200 302", complaint_pk, HOURS),
    Row("complaints:delete", "own", "get", DELETERS, complaint_pk),
    Row("complaints:delete", "foreign", "get", "200 200 404 404 403 302", complaint_pk),
    Row("complaints:transition", "own", "post", "302 302 302 302 302 302", complaint_pk, ACK),
    Row("complaints:transition", "foreign", "post", "302 302 404 404 302 302", complaint_pk, ACK),
    Row("complaints:pause", "own", "post", "302 302 302 302 302 302", complaint_pk),
    Row("complaints:pause", "foreign", "post", "302 302 404 404 302 302", complaint_pk),
    Row("complaints:resume", "own", "post", "302 302 302 302 302 302", complaint_pk),
    Row("complaints:resume", "foreign", "post", "302 302 404 404 302 302", complaint_pk),
    Row("complaints:attachment_add", "own", "post", "302 302 302 302 302 302", complaint_pk),
    Row("complaints:attachment_add", "foreign", "post", "302 302 404 404 302 302", complaint_pk),
    Row(
        "complaints:attachment_download", "own", "get", "200 200 200 200 200 302", attachment_kwargs
    ),
    Row(
        "complaints:attachment_download",
        "foreign",
        "get",
        "200 200 404 404 200 302",
        attachment_kwargs,
    ),
    Row(
        "complaints:attachment_delete", "own", "post", "302 302 302 302 302 302", attachment_kwargs
    ),
    Row(
        "complaints:attachment_delete",
        "foreign",
        "post",
        "302 302 404 404 302 302",
        attachment_kwargs,
    ),
]
