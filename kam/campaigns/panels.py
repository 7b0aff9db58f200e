from django.utils.translation import gettext as _

from kam.campaigns.gate import bouncing_ids, gate_many
from kam.campaigns.models import MailStatus, OutboxMail, Purpose
from kam.campaigns.selectors import account_attendance
from kam.core.permissions import can_see_consent
from kam.core.plugins import Panel


def account_panels(request, account) -> list[Panel]:
    return _consent_panels(request, account) + [_events_panel(account)]


def _events_panel(account) -> Panel:
    """Event attendance of the account's contact persons (relationship strength): part of the
    account like its activities, so shown to everyone who sees the account."""
    attendance = account_attendance(account)
    badge = str(attendance.attended) if attendance.attended else ""
    context = {"attendance": attendance}
    return Panel("events", _("Events"), "campaigns/_account_events.html", context, badge=badge)


def _consent_panels(request, account) -> list[Panel]:
    """The contact persons' e-mail consent per purpose and the mailings the account received."""
    if not can_see_consent(request.user):
        return []
    people = list(account.stakeholders.all())
    bouncing = bouncing_ids(people)
    by_purpose = [
        gate_many(stakeholders=people, purpose=purpose, bouncing=bouncing) for purpose in Purpose
    ]
    rows = [(person, [decisions[person.pk] for decisions in by_purpose]) for person in people]
    mails = OutboxMail.objects.filter(account=account, status=MailStatus.SENT, kind="mailing")
    context = {
        "consent_rows": rows,
        "purposes": [label for _value, label in Purpose.choices],
        "account_mails": mails.select_related("stakeholder").order_by("-sent_at")[:20],
    }
    return [Panel("campaigns", _("Consent and mailings"), "campaigns/_account_panel.html", context)]
