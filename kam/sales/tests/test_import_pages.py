"""Importing from the browser's point of view (without the browser): upload, check, import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kam.sales.importer import import_sales
from kam.sales.models import ImportProfile, SalesImport, SalesLine
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

EXPORT = (
    "Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz;Deckungsbeitrag\n"
    "10001;R-1;31.12.2025;1.234,56;234,50\n"
    "10002;R-2;31.02.2025;10,00;1,00\n"
).encode("cp1252")


@pytest.fixture
def importer_client(client, leader, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(leader)
    return client


def upload(client, content=EXPORT, name="export.csv"):
    response = client.post(
        reverse("sales:import_start"), {"file": SimpleUploadedFile(name, content)}
    )
    return response, SalesImport.objects.order_by("-pk").first()


def test_upload_shows_the_first_rows_and_the_detected_columns(importer_client):
    response, record = upload(importer_client)
    preview = importer_client.get(response.url)

    assert response.status_code == 302 and record.status == "pending"
    form = preview.context["form"]
    assert form["map_customer_number"].initial == "Kundennummer"
    assert form["map_contribution_margin"].initial == "Deckungsbeitrag"
    assert preview.context["preview"][0][0] == "10001"


def test_a_wrong_file_type_is_refused_with_a_message(importer_client):
    response, record = upload(importer_client, b"MZ\x90\x00", name="virus.exe")

    assert record is None
    assert "CSV oder XLSX" in response.content.decode()


def test_the_dry_run_runs_in_the_worker_and_its_report_appears_on_the_page(
    importer_client, django_capture_on_commit_callbacks, monkeypatch
):
    from kam.sales import tasks

    enqueued = []
    real_task = tasks.run_sales_dry_run

    class Spy:
        @staticmethod
        def enqueue(**kwargs):
            enqueued.append(kwargs)
            return real_task.enqueue(**kwargs)  # the test backend runs it at once

    monkeypatch.setattr(tasks, "run_sales_dry_run", Spy)
    _, record = upload(importer_client)
    post = {
        f"map_{f}": ""
        for f in (
            "customer_name",
            "line_number",
            "product_number",
            "product_name",
            "quantity",
            "cost",
            "currency",
            "sales_rep",
        )
    }
    post.update(
        {
            "map_customer_number": "Kundennummer",
            "map_invoice_number": "Rechnungsnummer",
            "map_invoice_date": "Rechnungsdatum",
            "map_net_revenue": "Nettoumsatz",
            "map_contribution_margin": "Deckungsbeitrag",
            "dry_run": "1",
        }
    )

    url = reverse("sales:import_preview", args=[record.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = importer_client.post(url, post)
    page = importer_client.get(url).content.decode()
    poll = importer_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dry-run")

    assert response.status_code == 302 and enqueued == [{"import_id": record.pk}]
    record.refresh_from_db()
    result = record.dry_run_result
    assert result["status"] == "done" and result["report"]["imported"] == 1
    assert result["report"]["rejected"][0]["line"] == 3
    assert "Ergebnis des Probelaufs" in page and "31.02.2025" in page
    assert "31.02.2025" in poll.content.decode() and "<html" not in poll.content.decode()
    assert not SalesLine.objects.exists() and record.status == "pending"


def test_a_running_dry_run_shows_its_progress_and_polls(importer_client):
    _, record = upload(importer_client)
    record.dry_run_result = {"status": "running", "rows": 50, "rows_expected": 200}
    record.save()

    url = reverse("sales:import_preview", args=[record.pk])
    poll = importer_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dry-run")

    body = poll.content.decode()
    assert 'hx-trigger="every 1s"' in body and "width: 25%" in body


def test_import_now_runs_in_the_background_and_saves_the_profile(
    importer_client, django_capture_on_commit_callbacks
):
    _, record = upload(importer_client)
    post = {
        "map_customer_number": "Kundennummer",
        "map_invoice_number": "Rechnungsnummer",
        "map_invoice_date": "Rechnungsdatum",
        "map_net_revenue": "Nettoumsatz",
        "map_contribution_margin": "Deckungsbeitrag",
        "profile_name": "Unser SAP",
        "run": "1",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = importer_client.post(reverse("sales:import_preview", args=[record.pk]), post)

    record.refresh_from_db()
    assert response.status_code == 302
    assert record.status == "done" and record.imported == 1 and record.rejected_count == 1
    assert ImportProfile.objects.get(name="Unser SAP").mapping["net_revenue"] == "Nettoumsatz"
    csv_text = importer_client.get(reverse("sales:import_rejections_csv", args=[record.pk]))
    assert "31.02.2025" in csv_text.content.decode("utf-8-sig")


def test_the_account_page_shows_sales_and_hides_margins_without_permission(
    client, alice, bob, tmp_path
):
    account = AccountFactory(owner=alice, customer_number="10001")
    path = tmp_path / "x.csv"
    path.write_bytes(EXPORT)
    import_sales(paths=[path])

    client.force_login(alice)
    with_margins = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    bob.team_memberships.create(account=account, role="field")
    client.force_login(bob)
    without = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()

    assert "R-1" in with_margins and "234,50" in with_margins
    assert "R-1" in without and "234,50" not in without and "Deckungsbeitrag" not in without
