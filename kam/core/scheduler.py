"""Periodic jobs: nightly analysis, daily contact monitoring, complaint escalation.

Apps declare jobs in their `schedule.py` (the contract is in kam.core.plugins). `kam scheduler`
(started by `kam serve`) enqueues each job once per period into the task queue; the claim is a
database row with a unique (job, period), so several schedulers on several machines never
enqueue the same period twice. The claim and the enqueued task are written in one transaction
(the task backend shares the database): a crash or an error between the two leaves the period
unclaimed, so the next look enqueues it.
"""

import datetime
import importlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from kam.core.models import ScheduledRun
from kam.core.plugins import Job, app_modules

logger = logging.getLogger(__name__)

__all__ = ["Job", "all_jobs", "claim", "enqueue_due"]


def all_jobs() -> list[Job]:
    return [job for module in app_modules("schedule") for job in module.JOBS]


def claim(job: Job, period: str) -> bool:
    """Claims `period` for `job` inside the caller's transaction; False if it was claimed."""
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's work intact
            ScheduledRun.objects.create(job=job.name, period=period)
    except IntegrityError:
        return False
    return True


def _task(job: Job):
    module_name, task_name = job.task.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), task_name)


def enqueue_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueues every job whose current period nobody has claimed yet; returns their names."""
    now = now or timezone.now()
    started = []
    for job in all_jobs():
        period = job.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                if not claim(job, period):
                    continue
                _task(job).enqueue(**job.kwargs)
        except Exception:
            # The claim is rolled back with the failed enqueue: the next look tries again.
            logger.exception("Could not enqueue %s for %s", job.name, period)
            continue
        logger.info("Scheduled %s for %s", job.name, period)
        started.append(job.name)
    return started
