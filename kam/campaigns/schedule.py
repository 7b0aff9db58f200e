from kam.core.plugins import Job

JOBS = [
    Job("campaigns-queue-due", "kam.campaigns.tasks.queue_due_mailings", every_minutes=15),
    Job("campaigns-deliver", "kam.campaigns.tasks.deliver_outbox", every_minutes=5),
    Job("campaigns-event-reminders", "kam.campaigns.tasks.send_event_reminders", every_minutes=60),
]
