from django_tasks import task

from kam.campaigns import mailings, outbox
from kam.core.audit import Source, audit_source


@task()
def deliver_outbox(limit: int = 5000) -> int:
    """Sends what the outbox holds; rows a dead worker left are marked uncertain first."""
    with audit_source(Source.JOB):
        outbox.recover_stale()
        return outbox.deliver(limit=limit).sent


@task()
def queue_due_mailings() -> int:
    """Scheduled (and yearly) mailings that are due, queued into the outbox."""
    with audit_source(Source.JOB):
        return mailings.queue_due()
