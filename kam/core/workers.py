"""Background workers that are alive, and the tasks of those that died.

Each `kam worker` writes a heartbeat row (`WorkerHeartbeat`) when it starts and every
`HEARTBEAT_SECONDS` from a thread of its own. A task that is RUNNING while its worker has no
heartbeat younger than `STALE_AFTER_SECONDS` lost its worker (killed, machine gone): every worker
looks for such tasks with each heartbeat, `kam serve` as soon as its own worker dies, and marks
them FAILED with a clear message. Apps learn of it through `on_task_interrupted` in their
`tasks.py` (a plug-in hook, see kam.core.plugins; the sales import marks its import failed, to be
resumed or discarded).
"""

import datetime
import logging
import os
import socket
import threading

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kam.core.models import WorkerHeartbeat
from kam.core.plugins import app_modules
from kam.settings.env import env_int

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = env_int("KAM_WORKER_HEARTBEAT_SECONDS", 10)
#: Long enough that a worker whose heartbeat waits behind a long SQLite write is not taken for dead.
STALE_AFTER_SECONDS = env_int("KAM_WORKER_STALE_SECONDS", 120)
LOST_MESSAGE = "The worker running this task stopped (killed or its machine went down)."
LOST_CLASS = "kam.core.workers.WorkerLost"


def worker_id_new() -> str:
    """A worker id that names the machine and the process (django-tasks-db allows 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def heartbeat_beat(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "beat_at": timezone.now(),
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def heartbeat_remove(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _fresh_since(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=STALE_AFTER_SECONDS)


def workers_alive(now: datetime.datetime | None = None) -> int:
    """How many workers have a fresh heartbeat."""
    return WorkerHeartbeat.objects.filter(beat_at__gte=_fresh_since(now or timezone.now())).count()


def tasks_orphaned_fail(now: datetime.datetime | None = None) -> list[str]:
    """Marks FAILED every RUNNING task whose worker has no fresh heartbeat; returns their ids."""
    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=_fresh_since(now)).values_list(
            "worker_id", flat=True
        )
    )
    failed = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        if _task_fail(result.pk, now):
            failed.append(str(result.pk))
            _tell_apps(result)
    return failed


def _task_fail(pk, now: datetime.datetime) -> bool:
    with transaction.atomic():
        changed = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=LOST_CLASS,
            traceback=LOST_MESSAGE,
            return_value=None,
        )
    if changed:
        logger.warning("Task %s lost its worker and was marked failed", pk)
    return bool(changed)


def _tell_apps(result: DBTaskResult) -> None:
    for module in app_modules("tasks"):
        hook = getattr(module, "on_task_interrupted", None)
        if hook is None:
            continue
        try:
            hook(result.task_path, result.args_kwargs.get("kwargs", {}))
        except Exception:
            logger.exception(
                "%s.on_task_interrupted failed for task %s", module.__name__, result.pk
            )


def worker_lost(*, worker_id: str) -> list[str]:
    """`kam serve` saw its worker die: its heartbeat goes, its tasks are failed at once."""
    heartbeat_remove(worker_id=worker_id)
    return tasks_orphaned_fail()


class Heartbeat(threading.Thread):
    """The worker's heartbeat, beside the thread that runs tasks."""

    def __init__(self, worker_id: str, interval: float = HEARTBEAT_SECONDS) -> None:
        super().__init__(name="kam-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                self.beat()
        finally:
            connection.close()

    def beat(self) -> None:
        try:
            heartbeat_beat(worker_id=self.worker_id)
            tasks_orphaned_fail()
        except DatabaseError:
            # A busy SQLite file or a database restart: the next beat tries again.
            logger.warning("Heartbeat of %s could not be written", self.worker_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
