from django_tasks import task

from kam.activities.jobs import next_step_reminders_send, overdue_notices_send
from kam.core.audit import Source, audit_source


@task()
def activities_daily() -> dict[str, int]:
    """Daily: notify overdue contacts once per overdue period and remind of due next steps."""
    with audit_source(Source.JOB):
        return {
            "overdue_notices": overdue_notices_send(),
            "next_step_reminders": next_step_reminders_send(),
        }
