"""The import page's writes are services: create, map, start (once), discard."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kam.sales import services
from kam.sales.models import ImportStatus, SalesImport

pytestmark = pytest.mark.django_db

EXPORT = b"Kundennummer;Rechnungsnummer;Rechnungsdatum;Nettoumsatz\n1;R-1;02.01.2026;5,00\n"


@pytest.fixture
def upload():
    return SimpleUploadedFile("Export.CSV", EXPORT, content_type="text/csv")


def test_creating_stores_the_upload_and_waits_for_a_mapping(upload, alice, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    record = services.sales_import_create(user=alice, upload=upload, mapping={"x": "Kd"})

    assert (record.status, record.source, record.user) == (ImportStatus.PENDING, "ui", alice)
    assert record.file_names == ["Export.CSV"] and record.mapping == {"overrides": {"x": "Kd"}}
    stored = Path(record.files[0]["path"])
    assert stored.parent == tmp_path / "uploads" and stored.suffix == ".csv"
    assert stored.read_bytes() == EXPORT


def test_a_failed_create_leaves_no_file(upload, alice, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with (
        mock.patch.object(SalesImport.objects, "create", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        services.sales_import_create(user=alice, upload=upload)

    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_waiting_import_is_mapped_and_started_once(
    upload, alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    record = services.sales_import_create(user=alice, upload=upload)
    services.sales_import_set_mapping(sales_import=record, mapping={"net_revenue": "Umsatz"})
    stale = SalesImport.objects.get(pk=record.pk)  # a second tab, still showing "waiting"

    with (
        mock.patch("kam.sales.tasks.run_sales_import") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.sales_import_start(sales_import=record)
        with pytest.raises(ValueError):
            services.sales_import_start(sales_import=stale)

    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING
    assert record.mapping == {"overrides": {"net_revenue": "Umsatz"}}
    task.enqueue.assert_called_once_with(import_id=record.pk)
    with pytest.raises(ValueError):
        services.sales_import_set_mapping(sales_import=record, mapping={})


def test_discarding_a_waiting_import_removes_it_and_its_file(
    upload, alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    record = services.sales_import_create(user=alice, upload=upload)
    stored = Path(record.files[0]["path"])

    with django_capture_on_commit_callbacks(execute=True):
        services.sales_import_discard(sales_import=record)

    assert not SalesImport.objects.filter(pk=record.pk).exists()
    assert not stored.exists()
