"""Worker heartbeats, tasks that lost their worker, and /health/."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kam.core import workers
from kam.core.workers import heartbeat_beat, tasks_orphaned_fail, worker_lost

NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def running_task(worker_id: str, task_path: str = "kam.sales.tasks.run_sales_import", **kwargs):
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": kwargs},
        task_path=task_path,
        worker_ids=[worker_id],
        backend_name="default",
        run_after=timezone.now(),
        started_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_running_task_whose_worker_stopped_beating_is_marked_failed():
    with time_machine.travel(NOON, tick=False):
        heartbeat_beat(worker_id="dead")
        heartbeat_beat(worker_id="alive")
        orphan, busy = running_task("dead"), running_task("alive")
    later = NOON + datetime.timedelta(seconds=workers.STALE_AFTER_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        heartbeat_beat(worker_id="alive")
        failed = tasks_orphaned_fail()

    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert failed == [str(orphan.pk)]
    assert orphan.status == TaskResultStatus.FAILED
    assert orphan.exception_class_path == workers.LOST_CLASS
    assert "stopped" in orphan.traceback and orphan.finished_at is not None
    assert busy.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_of_a_worker_that_kam_serve_saw_die_fails_at_once():
    heartbeat_beat(worker_id="w1")
    task = running_task("w1")

    assert worker_lost(worker_id="w1") == [str(task.pk)]


@pytest.mark.django_db
def test_apps_hear_of_an_interrupted_task():
    task = running_task("gone", import_id=7)
    hook = mock.Mock()
    module = mock.Mock(on_task_interrupted=hook, __name__="kam.x.tasks")

    with mock.patch("kam.core.workers.app_modules", return_value=[module]):
        tasks_orphaned_fail()

    hook.assert_called_once_with(task.task_path, {"import_id": 7})


@pytest.mark.django_db
def test_health_is_ok_with_a_database_and_a_beating_worker(client):
    heartbeat_beat(worker_id="w1")

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_health_names_a_worker_that_stopped_beating(client):
    with time_machine.travel(NOON, tick=False):
        heartbeat_beat(worker_id="w1")
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "down"}


@pytest.mark.django_db
def test_health_names_a_database_that_is_down(client):
    with mock.patch("kam.core.views.workers_alive", side_effect=DatabaseError("gone")):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_kam_db_pool_turns_on_the_psycopg_pool(monkeypatch):
    from kam.settings import base

    monkeypatch.setenv("DATABASE_URL", "postgres://kam@db/kam")
    monkeypatch.setenv("KAM_DB_POOL", "on")

    config = base.database_settings()

    assert config["OPTIONS"]["pool"] is True and config["CONN_MAX_AGE"] == 0
