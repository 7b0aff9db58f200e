"""The import endpoint of the JSON API: upload with a mapping or profile, poll, report."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kam.api import api
from kam.sales.importer import import_sales
from kam.sales.models import ImportProfile, SalesImport, SalesLine

pytestmark = pytest.mark.django_db

EXPORT = (
    "Kunde Nr;Beleg;Datum;Netto;DB\n"
    "10001;R-1;31.12.2025;1.234,56;234,50\n"
    "10002;R-2;31.02.2025;10,00;1,00\n"
).encode("cp1252")
MAPPING = {
    "customer_number": "Kunde Nr",
    "invoice_number": "Beleg",
    "invoice_date": "Datum",
    "net_revenue": "Netto",
    "contribution_margin": "DB",
}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def post_import(client, content=EXPORT, name="export.csv", **fields):
    return client.post("/api/imports/", {"file": SimpleUploadedFile(name, content), **fields})


def test_an_upload_with_a_mapping_is_imported_and_reported_as_the_command_does(
    client, leader, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(leader)

    with django_capture_on_commit_callbacks(execute=True):
        started = post_import(client, mapping=json.dumps(MAPPING))
    import_id = started.json()["id"]
    status = client.get(f"/api/imports/{import_id}")
    report = client.get(f"/api/imports/{import_id}/report")

    assert started.status_code == 202 and started.json()["status"] == "running"
    assert status.status_code == 200
    assert status.json()["status"] == "done" and status.json()["files"] == ["export.csv"]
    assert SalesLine.objects.get().invoice_number == "R-1"
    command_file = tmp_path / "export.csv"
    command_file.write_bytes(EXPORT)
    command_report, _ = import_sales(paths=[command_file], mapping=MAPPING, dry_run=True)
    expected = command_report.as_json() | {"imported": 1, "unchanged": 0}
    assert report.status_code == 200
    assert report.json() == json.loads(json.dumps(expected))


def test_a_saved_profile_maps_the_columns(
    client, leader, data_dir, django_capture_on_commit_callbacks
):
    ImportProfile.objects.create(name="Unser ERP", mapping=MAPPING)
    client.force_login(leader)

    with django_capture_on_commit_callbacks(execute=True):
        started = post_import(client, profile="Unser ERP")

    assert started.status_code == 202
    assert SalesImport.objects.get(pk=started.json()["id"]).imported == 1


def test_a_field_rep_may_not_import_or_read_imports(client, bob, leader, data_dir):
    client.force_login(bob)
    record = SalesImport.objects.create(user=leader, status="done")

    assert post_import(client, mapping=json.dumps(MAPPING)).status_code == 403
    assert client.get(f"/api/imports/{record.pk}").status_code == 403
    assert client.get(f"/api/imports/{record.pk}/report").status_code == 403
    assert not SalesImport.objects.exclude(pk=record.pk).exists()


def test_without_login_the_api_answers_401(client, data_dir):
    assert post_import(client).status_code == 401
    assert client.get("/api/imports/1").status_code == 401


@pytest.mark.parametrize(
    ("fields", "content", "name", "code"),
    [
        ({"mapping": "{not json"}, EXPORT, "export.csv", 400),
        ({"mapping": json.dumps({"kundennummer": "Kunde Nr"})}, EXPORT, "export.csv", 400),
        ({"profile": "gibt es nicht"}, EXPORT, "export.csv", 400),
        ({}, b"MZ\x90\x00", "virus.exe", 400),
        ({}, b"Spalte;Andere\n1;2\n", "export.csv", 400),  # required columns missing
    ],
)
def test_an_unusable_upload_is_refused_with_400_and_nothing_is_stored(
    client, leader, data_dir, fields, content, name, code
):
    client.force_login(leader)

    response = post_import(client, content=content, name=name, **fields)

    assert response.status_code == code and response.json()["detail"]
    assert not SalesImport.objects.exists()
    assert not list((data_dir / "uploads").glob("*")) if (data_dir / "uploads").exists() else True


def test_a_file_over_the_limit_answers_413(client, leader, data_dir, settings):
    settings.KAM_MAX_UPLOAD_MB = 0
    client.force_login(leader)

    assert post_import(client).status_code == 413


def test_a_request_without_a_file_answers_422(client, leader, data_dir):
    client.force_login(leader)

    assert client.post("/api/imports/", {"mapping": "{}"}).status_code == 422


def test_unknown_imports_are_404_and_running_ones_have_no_report_yet(client, leader, data_dir):
    client.force_login(leader)
    running = SalesImport.objects.create(user=leader, status="running")

    assert client.get("/api/imports/999999").status_code == 404
    assert client.get(f"/api/imports/{running.pk}/report").status_code == 409


def test_the_schema_documents_every_status_code_of_the_import_endpoints():
    paths = api.get_openapi_schema()["paths"]

    codes = {
        (path, method): {str(code) for code in operation["responses"]}
        for path, operations in paths.items()
        if path.startswith("/api/imports/")
        for method, operation in operations.items()
    }

    assert codes[("/api/imports/", "post")] >= {"202", "400", "401", "403", "413", "422"}
    assert codes[("/api/imports/{import_id}", "get")] >= {"200", "401", "403", "404"}
    assert codes[("/api/imports/{import_id}/report", "get")] >= {"200", "401", "403", "404", "409"}


def _report_reasons(client, leader) -> list[str]:
    record = SalesImport.objects.create(user=leader, status="done")
    record.rejections.create(
        file="export.csv",
        line=3,
        column="Datum",
        value="31.02.2025",
        code="date_impossible",
        reason="Das Datum „31.02.2025“ in Spalte „Datum“ gibt es nicht.",
    )
    report = client.get(f"/api/imports/{record.pk}/report")
    assert report.status_code == 200
    return [rejection["reason"] for rejection in report.json()["rejected"]]


def test_rejection_reasons_follow_the_language_of_a_user_who_chose_english(
    client, leader, data_dir
):
    leader.language = "en"
    leader.save(update_fields=["language"])
    client.force_login(leader)

    reasons = _report_reasons(client, leader)

    assert reasons == ["The date “31.02.2025” in column “Datum” does not exist."]


def test_rejection_reasons_follow_the_request_language_and_stay_german_by_default(
    client, leader, data_dir
):
    client.force_login(leader)

    german = _report_reasons(client, leader)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = _report_reasons(client, leader)

    assert german == ["Das Datum „31.02.2025“ in Spalte „Datum“ gibt es nicht."]
    assert english == ["The date “31.02.2025” in column “Datum” does not exist."]


def test_a_refused_file_is_explained_in_the_request_language(client, leader, data_dir):
    client.force_login(leader)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = post_import(client, content=b"Spalte;Andere\n1;2\n", name="export.csv")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The required column for ")
