"""The import page while an import runs and when it has finished (the htmx progress poll)."""

import pytest
from django.urls import reverse

from kam.sales.models import ImportRejection, ImportStatus, SalesImport

pytestmark = pytest.mark.django_db


def _import(status: str, rejected: int) -> SalesImport:
    record = SalesImport.objects.create(
        status=status, files=[{"name": "export.csv", "path": "/nonexistent"}], rows=5
    )
    record.rejected_count = rejected
    record.save()
    for line in range(2, 2 + rejected):
        ImportRejection.objects.create(
            sales_import=record, file="export.csv", line=line, reason=f"Grund <b>{line}</b>"
        )
    return record


def _poll(client, record, **headers):
    return client.get(
        reverse("sales:import_detail", args=[record.pk]), HTTP_HX_REQUEST="true", **headers
    )


def test_the_last_poll_of_a_finished_import_brings_its_rejected_rows(client, leader):
    client.force_login(leader)
    record = _import(ImportStatus.DONE, rejected=2)

    body = _poll(client, record).content.decode()

    assert "2 abgelehnt" in body
    assert 'id="import-rejections" hx-swap-oob="true"' in body
    assert "Grund &lt;b&gt;2&lt;/b&gt;" in body and "Grund &lt;b&gt;3&lt;/b&gt;" in body
    assert "Keine abgelehnten Zeilen" not in body
    assert "hx-trigger" not in body  # polling stops


def test_a_running_import_polls_without_the_table(client, leader):
    client.force_login(leader)
    record = _import(ImportStatus.RUNNING, rejected=1)

    body = _poll(client, record).content.decode()

    assert 'hx-trigger="every 1s"' in body
    assert "import-rejections" not in body


def test_the_page_of_a_running_import_does_not_claim_there_are_no_rejections(client, leader):
    client.force_login(leader)
    record = _import(ImportStatus.RUNNING, rejected=0)

    body = client.get(reverse("sales:import_detail", args=[record.pk])).content.decode()

    assert "Keine abgelehnten Zeilen" not in body


def test_paging_the_rejected_rows_answers_the_table_only(client, leader):
    client.force_login(leader)
    record = _import(ImportStatus.DONE, rejected=1)

    body = _poll(client, record, HTTP_HX_TARGET="import-rejections").content.decode()

    assert body.startswith('<div id="import-rejections">')
    assert "import-progress" not in body
