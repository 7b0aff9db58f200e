"""Tasks for tests that run real workers (kam/core/tests/test_two_workers.py)."""

import os

from django_tasks import task


@task()
def record_run(key: str) -> None:
    """Records that it ran, and where (one row per execution)."""
    from kam.core.models import BulkEvent

    BulkEvent.objects.create(source="job", action=f"probe {key}", summary=str(os.getpid()))
