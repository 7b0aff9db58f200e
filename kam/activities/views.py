from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts.models import KeyAccountStatus
from kam.accounts.selectors import account_get, account_get_editable
from kam.activities import coverage, selectors, services
from kam.activities.cadence import DEFAULT_CADENCES
from kam.activities.forms import (
    AccountCadenceForm,
    ActivityForm,
    CadenceRuleForm,
    QuickActivityForm,
    RelationshipOwnerForm,
)
from kam.activities.ical import activities_calendar
from kam.activities.models import ACCOUNT_CLASSES, ActivityKind, ActivityStatus, CadenceRule
from kam.activities.timeline import KINDS
from kam.core.http import AuthenticatedRequest
from kam.core.permissions import can_edit_account, can_manage_cadence
from kam.core.plugins import account_timeline
from kam.users.models import User


def account_url(account, anchor: str = "contacts") -> str:
    return reverse("accounts:detail", kwargs={"pk": account.pk}) + f"#{anchor}"


def add_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def activity_list(request: AuthenticatedRequest) -> HttpResponse:
    get = request.GET
    filters = selectors.ActivityFilter(
        q=get.get("q", "").strip()[:100],
        kind=get.get("kind", ""),
        status=get.get("status", ""),
        owner=get.get("owner", ""),
        sort=get.get("sort", "-date"),
    )
    activities = selectors.activity_list(user=request.user, filters=filters)
    page = Paginator(activities, settings.KAM_PAGE_SIZE).get_page(get.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "owners": selectors.people_in_reach(request.user),
    }
    return render(request, "activities/activity_list.html", context)


def _day_param(request: AuthenticatedRequest, name: str, error: str) -> date:
    """The date in query parameter ``name``; today, with the ``error`` message, if it is none."""
    raw = request.GET.get(name, "")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            messages.error(request, error % {"value": raw[:20]})
    return timezone.localdate()


def _week_start(request: AuthenticatedRequest) -> date:
    day = _day_param(request, "week", _("Week: “%(value)s” is not a date."))
    return day - timedelta(days=day.weekday())


def _agenda_people(request: AuthenticatedRequest) -> tuple[list[User], list[int], str]:
    reach = list(selectors.people_in_reach(request.user))
    scope = request.GET.get("scope", "")
    if scope == "team":
        return reach, [person.pk for person in reach], ""
    wanted = request.GET.get("person", "")
    chosen = next((p for p in reach if str(p.pk) == wanted), request.user)
    return reach, [chosen.pk], str(chosen.pk)


@login_required
def agenda(request: AuthenticatedRequest) -> HttpResponse:
    """A week (a list by day) or, with ``view=month``, a month (a grid of weeks)."""
    week_start = _week_start(request)
    reach, people, person = _agenda_people(request)
    today = timezone.localdate()
    context = {
        "week_start": week_start,
        "previous_week": (week_start - timedelta(days=7)).isoformat(),
        "next_week": (week_start + timedelta(days=7)).isoformat(),
        "reach": reach,
        "person": person,
        "scope": request.GET.get("scope", ""),
        "today": today,
        "due_steps": selectors.due_next_steps(
            user=request.user, people=people, until=today + timedelta(days=7)
        )[:100],
    }
    if request.GET.get("view") == "month":
        context.update(_month_grid(request, people, _month_start(request)))
    else:
        context["days"] = selectors.agenda(user=request.user, people=people, week_start=week_start)
    return render(request, "activities/agenda.html", context)


def _month_start(request: AuthenticatedRequest) -> date:
    return _day_param(request, "month", _("Month: “%(value)s” is not a date.")).replace(day=1)


#: Appointments a day of the month grid lists before "n more".
MONTH_CELL_ROWS = 4


def _month_grid(request: AuthenticatedRequest, people: list[int], day: date) -> dict:
    """The month of ``day`` as whole weeks, Monday first; each cell (day, first appointments,
    how many more)."""
    first = day.replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    weeks_count = -(-(following - grid_start).days // 7)
    days = selectors.agenda(
        user=request.user, people=people, week_start=grid_start, days=7 * weeks_count
    )
    cells = [
        (cell_day, items[:MONTH_CELL_ROWS], max(len(items) - MONTH_CELL_ROWS, 0))
        for cell_day, items in days.items()
    ]
    return {
        "view": "month",
        "month": first,
        "weeks": [cells[n : n + 7] for n in range(0, len(cells), 7)],
        "previous_month": (first - timedelta(days=1)).replace(day=1).isoformat(),
        "next_month": following.isoformat(),
    }


def _save_activity(request, form, account, activity=None):
    data = form.activity_data()
    participants = form.cleaned_data.get("participants")
    stakeholders = form.cleaned_data.get("stakeholders")
    if activity is None:
        return services.activity_create(
            account=account,
            owner=request.user,
            data=data,
            participants=participants,
            stakeholders=stakeholders,
        )
    return services.activity_update(
        activity=activity,
        data=data,
        participants=participants,
        stakeholders=stakeholders,
        editor=request.user,
    )


@login_required
def activity_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get_editable(user=request.user, pk=pk)
    initial = {"plan_action": request.GET.get("action")} if request.GET.get("action") else {}
    form = ActivityForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = _save_activity(request, form, account)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect("activities:detail", pk=activity.pk)
    title = _("New activity")
    return render(
        request, "activities/activity_form.html", {"form": form, "account": account, "title": title}
    )


@login_required
@require_POST
def activity_quick_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get_editable(user=request.user, pk=pk)
    form = QuickActivityForm(request.POST, account=account)
    if form.is_valid():
        try:
            services.activity_create(
                account=account,
                owner=request.user,
                data=form.activity_data(),
                stakeholders=form.met_stakeholders(),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect(account_url(account))
    context = {"form": form, "account": account, "title": _("Log a contact")}
    return render(request, "activities/quick_form.html", context, status=400)


@login_required
def activity_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    context = {
        "activity": activity,
        "participants": activity.participants.all(),
        "stakeholders": activity.stakeholders.all(),
        "can_edit": can_edit_account(request.user, activity.account),
    }
    return render(request, "activities/activity_detail.html", context)


@login_required
def activity_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_editable(user=request.user, pk=pk)
    form = ActivityForm(request.POST or None, instance=activity, account=activity.account)
    if request.method == "POST" and form.is_valid():
        try:
            _save_activity(request, form, activity.account, activity)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("activities:detail", pk=pk)
    context = {"form": form, "account": activity.account, "title": _("Edit activity")}
    return render(request, "activities/activity_form.html", context)


@login_required
def activity_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_editable(user=request.user, pk=pk)
    if request.method == "POST":
        services.activity_delete(activity=activity)
        messages.success(request, _("Activity deleted."))
        return redirect(account_url(activity.account))
    cancel = reverse("activities:detail", kwargs={"pk": pk})
    return render(request, "core/confirm_delete.html", {"object": activity, "cancel_url": cancel})


@login_required
@require_POST
def next_step_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_editable(user=request.user, pk=pk)
    services.next_step_complete(activity=activity)
    messages.success(request, _("Next step marked as done."))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if safe else reverse("activities:agenda"))


@login_required
def timeline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    kind = request.GET.get("kind", "")
    entries = account_timeline(account, request.user, kind=kind)
    page = Paginator(entries, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"account": account, "page": page, "kind": kind, "kinds": KINDS.items()}
    return render(request, "activities/timeline.html", context)


@login_required
def coverage_overview(request: AuthenticatedRequest) -> HttpResponse:
    owner, status = request.GET.get("owner", ""), request.GET.get("status", "")
    overdue = coverage.overdue_accounts(user=request.user, owner=owner, status=status)
    page = Paginator(overdue, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "owner": owner,
        "status": status,
        "statuses": KeyAccountStatus.choices,
        "owners": selectors.people_in_reach(request.user),
        "by_owner": coverage.coverage_by_owner(viewer=request.user),
        "stale": coverage.stale_stakeholders(user=request.user)[:50],
        "uncovered": coverage.uncovered_decision_makers(user=request.user)[:50],
        "stale_days": coverage.STALE_AFTER_DAYS,
    }
    return render(request, "activities/coverage.html", context)


def company_rules() -> list[CadenceRule]:
    """One rule per account class; a class without a stored rule starts from the default."""
    stored = {rule.account_status: rule for rule in CadenceRule.objects.all()}
    return [
        stored.get(status)
        or CadenceRule(
            account_status=status,
            visit_every_days=DEFAULT_CADENCES[status].visit_every_days,
            contact_every_days=DEFAULT_CADENCES[status].contact_every_days,
        )
        for status, _label in ACCOUNT_CLASSES
    ]


@login_required
def cadence_rules(request: AuthenticatedRequest) -> HttpResponse:
    if not can_manage_cadence(request.user):
        raise PermissionDenied
    rules = company_rules()
    forms = [
        CadenceRuleForm(request.POST or None, instance=r, prefix=r.account_status) for r in rules
    ]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        for form in forms:
            services.cadence_rule_save(rule=form.instance)
        messages.success(request, _("Contact cadence saved."))
        return redirect("activities:cadence_rules")
    return render(request, "activities/cadence_rules.html", {"forms": forms})


@login_required
def account_cadence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    if not can_manage_cadence(request.user):
        raise PermissionDenied
    override = getattr(account, "cadence_override", None)
    form = AccountCadenceForm(request.POST or None, instance=override)
    if request.method == "POST" and request.POST.get("clear"):
        services.account_cadence_clear(account=account)
        messages.success(request, _("The account follows the company cadence again."))
        return redirect(account_url(account))
    if request.method == "POST" and form.is_valid():
        services.account_cadence_set(account=account, **form.cleaned_data)
        messages.success(request, _("Contact cadence saved."))
        return redirect(account_url(account))
    context = {"form": form, "account": account, "override": override}
    return render(request, "activities/account_cadence.html", context)


@login_required
def relationship_owner(request: AuthenticatedRequest, pk: int, stakeholder_pk: int):
    account = account_get_editable(user=request.user, pk=pk)
    stakeholder = get_object_or_404(account.stakeholders, pk=stakeholder_pk)
    current = getattr(getattr(stakeholder, "relationship", None), "owner", None)
    form = RelationshipOwnerForm(request.POST or None, initial={"owner": current})
    if request.method == "POST" and form.is_valid():
        services.relationship_owner_set(stakeholder=stakeholder, owner=form.cleaned_data["owner"])
        messages.success(request, _("Relationship owner saved."))
        return redirect(account_url(account))
    title = _("Relationship owner for %(name)s") % {"name": stakeholder}
    return render(
        request, "activities/activity_form.html", {"form": form, "account": account, "title": title}
    )


@login_required
def feed_settings(request: AuthenticatedRequest) -> HttpResponse:
    token = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(user=request.user)
        messages.success(request, _("The calendar link no longer works."))
        return redirect("activities:feed_settings")
    if request.method == "POST":
        token = services.calendar_feed_renew(user=request.user)
    context = {
        "feed": getattr(request.user, "calendar_feed", None) if token is None else None,
        "feed_url": request.build_absolute_uri(reverse("activities:feed", args=[token]))
        if token
        else "",
    }
    return render(request, "activities/feed_settings.html", context)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the secret token is the key. A revoked or unknown token is not found."""
    user = selectors.feed_user(token)
    if user is None:
        raise Http404
    now = timezone.now()
    body = activities_calendar(selectors.feed_activities(user, now=now), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
