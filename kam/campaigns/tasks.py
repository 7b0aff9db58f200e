from django_tasks import task

from kam.campaigns import events, mailings, outbox
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


@task()
def send_event_reminders() -> int:
    with audit_source(Source.JOB):
        sent = events.reminders_send()
    if sent:
        deliver_outbox.enqueue()
    return sent
