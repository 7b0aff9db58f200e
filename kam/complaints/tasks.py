from django.utils import timezone
from django_tasks import task

from kam.complaints import escalation, satisfaction
from kam.complaints.models import Complaint
from kam.core.audit import Source, audit_source


@task()
def escalate_complaints() -> int:
    """SLA warnings and escalations; run every 15 minutes during working hours."""
    with audit_source(Source.JOB):
        return escalation.escalate(timezone.now())


@task()
def send_satisfaction_survey(complaint_id: int, base_url: str) -> bool:
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return False
    with audit_source(Source.JOB):
        return satisfaction.survey_send(complaint=complaint, base_url=base_url)
