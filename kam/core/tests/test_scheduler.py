import datetime
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from kam.core.models import ScheduledRun
from kam.core.scheduler import Job, all_jobs, enqueue_due

BERLIN = timezone.get_fixed_timezone(60)


def test_every_app_job_names_a_real_task():
    jobs = all_jobs()

    assert {job.name for job in jobs} >= {
        "analysis-nightly",
        "activities-daily",
        "complaints-escalate",
    }
    for job in jobs:
        module, name = job.task.rsplit(".", 1)
        assert hasattr(__import__(module, fromlist=[name]), name), job.task


def test_a_daily_job_has_no_period_before_its_time_and_one_after():
    job = Job("x", "t", daily_at=datetime.time(2, 0))

    before = datetime.datetime(2026, 3, 10, 1, 59, tzinfo=BERLIN)
    after = datetime.datetime(2026, 3, 10, 23, 0, tzinfo=BERLIN)

    assert job.period(before) is None
    assert job.period(after) == "2026-03-10"


def test_an_interval_job_has_one_period_per_slot():
    job = Job("x", "t", every_minutes=15)

    assert job.period(datetime.datetime(2026, 3, 10, 9, 14, tzinfo=BERLIN)) == "2026-03-10T09:00"
    assert job.period(datetime.datetime(2026, 3, 10, 9, 15, tzinfo=BERLIN)) == "2026-03-10T09:15"


@pytest.mark.django_db
def test_each_period_is_enqueued_once_however_often_schedulers_look():
    job = Job("demo-job", "kam.analysis.tasks.run_analysis", every_minutes=15)
    fake_task = mock.Mock()
    with (
        mock.patch("kam.core.scheduler.all_jobs", return_value=[job]),
        mock.patch("importlib.import_module", return_value=mock.Mock(run_analysis=fake_task)),
        time_machine.travel(datetime.datetime(2026, 3, 10, 9, 1, tzinfo=BERLIN), tick=False),
    ):
        first = enqueue_due()
        second = enqueue_due()
    with (
        mock.patch("kam.core.scheduler.all_jobs", return_value=[job]),
        mock.patch("importlib.import_module", return_value=mock.Mock(run_analysis=fake_task)),
        time_machine.travel(datetime.datetime(2026, 3, 10, 9, 16, tzinfo=BERLIN), tick=False),
    ):
        third = enqueue_due()

    assert (first, second, third) == (["demo-job"], [], ["demo-job"])
    assert fake_task.enqueue.call_count == 2
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_enqueue_that_fails_leaves_the_period_unclaimed():
    job = Job("demo-job", "kam.analysis.tasks.run_analysis", every_minutes=15)
    broken, working = mock.Mock(), mock.Mock()
    broken.enqueue.side_effect = RuntimeError("queue unreachable")
    moment = datetime.datetime(2026, 3, 10, 9, 1, tzinfo=BERLIN)
    with (
        mock.patch("kam.core.scheduler.all_jobs", return_value=[job]),
        time_machine.travel(moment, tick=False),
    ):
        with mock.patch("importlib.import_module", return_value=mock.Mock(run_analysis=broken)):
            first = enqueue_due()
        claims_after_failure = ScheduledRun.objects.count()
        with mock.patch("importlib.import_module", return_value=mock.Mock(run_analysis=working)):
            second = enqueue_due()

    assert first == [] and claims_after_failure == 0
    assert second == ["demo-job"] and working.enqueue.call_count == 1
