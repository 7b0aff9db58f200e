"""An import whose worker died: failed with a clear message, then resumed or discarded."""

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kam.core.workers import tasks_orphaned_fail
from kam.sales.models import ImportStatus, SalesImport
from kam.sales.services import sales_import_discard, sales_import_resume

pytestmark = pytest.mark.django_db


def running_import(tmp_path) -> SalesImport:
    upload = tmp_path / "export.csv"
    upload.write_text("x")
    record = SalesImport.objects.create(
        status=ImportStatus.RUNNING, files=[{"name": "export.csv", "path": str(upload)}]
    )
    DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {"import_id": record.pk}},
        task_path="kam.sales.tasks.run_sales_import",
        worker_ids=["killed-worker"],
        backend_name="default",
        run_after=timezone.now(),
    )
    return record


def test_the_import_of_a_task_that_lost_its_worker_fails_with_a_message_in_german(tmp_path):
    record = running_import(tmp_path)

    tasks_orphaned_fail()

    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert record.error == (
        "Der Hintergrundprozess wurde unterbrochen; "
        "Sie können den Import fortsetzen oder verwerfen."
    )


def test_an_interrupted_import_can_be_resumed(tmp_path, django_capture_on_commit_callbacks):
    record = running_import(tmp_path)
    tasks_orphaned_fail()
    record.refresh_from_db()

    with (
        mock.patch("kam.sales.tasks.run_sales_import") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sales_import_resume(sales_import=record)

    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING and record.error == ""
    task.enqueue.assert_called_once_with(import_id=record.pk)


def test_an_interrupted_import_can_be_discarded(tmp_path, django_capture_on_commit_callbacks):
    record = running_import(tmp_path)
    tasks_orphaned_fail()
    record.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        sales_import_discard(sales_import=record)

    assert not SalesImport.objects.filter(pk=record.pk).exists()
    assert not (tmp_path / "export.csv").exists()


def test_a_running_import_is_neither_resumed_nor_discarded(tmp_path):
    record = running_import(tmp_path)

    with pytest.raises(ValueError):
        sales_import_resume(sales_import=record)
    with pytest.raises(ValueError):
        sales_import_discard(sales_import=record)


def interrupted_import(tmp_path) -> SalesImport:
    record = running_import(tmp_path)
    tasks_orphaned_fail()
    record.refresh_from_db()
    return record


def test_the_page_of_an_interrupted_import_offers_to_resume_or_discard_it(client, leader, tmp_path):
    record = interrupted_import(tmp_path)
    client.force_login(leader)

    page = client.get(reverse("sales:import_detail", args=[record.pk])).content.decode()

    assert reverse("sales:import_resume", args=[record.pk]) in page
    assert reverse("sales:import_discard", args=[record.pk]) in page
    assert "Import fortsetzen" in page and "Import verwerfen" in page


def test_resuming_from_the_page_runs_the_import_again(
    client, leader, tmp_path, django_capture_on_commit_callbacks
):
    record = interrupted_import(tmp_path)
    client.force_login(leader)

    with (
        mock.patch("kam.sales.tasks.run_sales_import") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("sales:import_resume", args=[record.pk]))

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING
    task.enqueue.assert_called_once_with(import_id=record.pk)


def test_discarding_from_the_page_removes_the_interrupted_import(client, leader, tmp_path):
    record = interrupted_import(tmp_path)
    client.force_login(leader)

    response = client.post(reverse("sales:import_discard", args=[record.pk]))

    assert response.status_code == 302
    assert not SalesImport.objects.filter(pk=record.pk).exists()


def test_a_running_import_cannot_be_resumed_from_the_page(client, leader, tmp_path):
    record = running_import(tmp_path)
    client.force_login(leader)

    assert client.post(reverse("sales:import_resume", args=[record.pk])).status_code == 404
    assert client.post(reverse("sales:import_discard", args=[record.pk])).status_code == 404
