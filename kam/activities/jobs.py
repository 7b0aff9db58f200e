"""The daily job: overdue contact notices (once per overdue period) and next-step reminders."""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.activities.cadence import RequirementState
from kam.activities.coverage import accounts_under_rules, coverage_for
from kam.activities.models import Activity, OverdueNotice, Requirement
from kam.notifications.services import notify_in_inbox
from kam.users.models import User


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _absolute(path: str) -> str:
    """Mail needs full links: KAM_BASE_URL (e.g. https://kam.example.com) when it is set."""
    return getattr(settings, "KAM_BASE_URL", "").rstrip("/") + path


def _mail(user: User, subject: str, template: str, context: dict) -> None:
    with translation.override(_language(user)):
        body = render_to_string(template, {"user": user, **context})
        send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def _notify_once(account: Account, requirement: str, state: RequirementState) -> bool:
    """Record the notice for this overdue period; only the first call for a period sends mail."""
    assert state.overdue_since is not None  # only overdue states come here
    _notice, created = OverdueNotice.objects.get_or_create(
        account=account,
        requirement=requirement,
        period_start=state.overdue_since,
        defaults={"recipient": account.owner},
    )
    owner = account.owner
    if not created or owner is None or not owner.is_active:
        return created
    url = reverse("accounts:detail", kwargs={"pk": account.pk})
    with translation.override(_language(owner)):
        subject = _("Contact overdue: %(account)s") % {"account": account.name}
        title = f"{subject} ({Requirement(requirement).label})"
    notify_in_inbox(
        recipient=owner,
        kind="overdue_contact",
        title=title,
        url=url,
        key=f"overdue:{account.pk}:{requirement}:{state.overdue_since.isoformat()}",
    )
    if owner.email:
        _mail(
            owner,
            subject,
            "activities/mail/overdue.txt",
            {
                "account": account,
                "requirement": Requirement(requirement).label,
                "state": state,
                "url": _absolute(url),
            },
        )
    return created


def overdue_notices_send(*, today: date | None = None) -> int:
    accounts = accounts_under_rules(Account.objects.all()).select_related("owner")
    sent = 0
    for entry in coverage_for(accounts, today=today):
        for requirement, state in (
            (Requirement.VISIT, entry.state.visit),
            (Requirement.CONTACT, entry.state.contact),
        ):
            if state is not None and state.overdue:
                sent += _notify_once(entry.account, requirement, state)
    return sent


def _next_steps_to_inbox(owner: User, activities: list[Activity]) -> None:
    with translation.override(_language(owner)):
        for activity in activities:
            title = _("Next step due: %(step)s (%(account)s)") % {
                "step": activity.next_step,
                "account": activity.account.name,
            }
            notify_in_inbox(
                recipient=owner,
                kind="next_step",
                title=title,
                url=reverse("activities:detail", kwargs={"pk": activity.pk}),
                key=f"next_step:{activity.pk}:{activity.next_step_due}",
            )


def next_step_reminders_send(*, today: date | None = None) -> int:
    """One mail per user listing their next steps that fell due; each step is reminded once."""
    today = today or timezone.localdate()
    due = list(
        Activity.objects.filter(
            next_step_due__lte=today, next_step_done=False, next_step_reminded_at__isnull=True
        )
        .exclude(next_step="")
        .select_related("owner", "account")
        .order_by("next_step_due", "id")
    )
    by_owner: dict[User, list[Activity]] = defaultdict(list)
    for activity in due:
        by_owner[activity.owner].append(activity)
    for owner, activities in by_owner.items():
        _next_steps_to_inbox(owner, activities)
        if owner.email and owner.is_active:
            with translation.override(_language(owner)):
                subject = _("Next steps due: %(count)d") % {"count": len(activities)}
            _mail(
                owner,
                subject,
                "activities/mail/next_steps.txt",
                {"activities": activities, "url": _absolute(reverse("activities:agenda"))},
            )
    Activity.objects.filter(id__in=[a.pk for a in due]).update(next_step_reminded_at=timezone.now())
    return len(due)
