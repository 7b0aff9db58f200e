from kam.core.plugins import Job

JOBS = [Job("complaints-escalate", "kam.complaints.tasks.escalate_complaints", every_minutes=15)]
