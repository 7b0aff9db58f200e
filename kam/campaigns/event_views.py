"""Events: the organiser's pages and the public RSVP link."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.campaigns import events, segments
from kam.campaigns.forms import EventForm, RsvpForm
from kam.campaigns.models import Event, RsvpStatus
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param


def _events(request: AuthenticatedRequest) -> QuerySet[Event]:
    if not permissions.can_send_mailings(request.user):
        raise PermissionDenied
    found = Event.objects.select_related("segment", "created_by")
    if permissions.can_approve_mailings(request.user):
        return found
    return found.filter(created_by=request.user)


@login_required
def event_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(_events(request), settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/event_list.html", {"page": page})


@login_required
def event_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    found = _events(request)
    event = get_object_or_404(found, pk=pk) if pk else Event(created_by=request.user)
    form = EventForm(
        request.POST or None, instance=event, segments=segments.segments_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        event = form.save()
        return redirect("campaigns:event_detail", pk=event.pk)
    return render(request, "campaigns/event_form.html", {"form": form, "event": event})


@login_required
def event_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(_events(request), pk=pk)
    invitations = event.invitations.select_related("stakeholder", "stakeholder__account")
    context = {
        "event": event,
        "figures": events.event_figures(event),
        "page": Paginator(invitations.order_by("status", "id"), settings.KAM_PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
    }
    return render(request, "campaigns/event_detail.html", context)


@login_required
@require_POST
def event_invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(_events(request), pk=pk)
    invited, refused = events.event_invite(event=event)
    messages.success(
        request,
        _("%(invited)s invited, %(refused)s excluded by the send gate.")
        % {"invited": invited, "refused": refused},
    )
    return redirect("campaigns:event_detail", pk=pk)


@login_required
@require_POST
def event_follow_up(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A draft mailing to the attendees, opened for writing."""
    event = get_object_or_404(_events(request), pk=pk)
    if not event.invitations.filter(attended=True).exists():
        messages.error(request, _("Nobody has been recorded as attending yet."))
        return redirect("campaigns:event_detail", pk=pk)
    mailing = events.event_follow_up(event=event, user=request.user)
    return redirect("campaigns:mailing_update", pk=mailing.pk)


@login_required
def event_checkin(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The printable check-in list; after the event, attendance is recorded on it."""
    event = get_object_or_404(_events(request), pk=pk)
    accepted = event.invitations.filter(status=RsvpStatus.ACCEPTED).select_related(
        "stakeholder", "stakeholder__account"
    )
    if request.method == "POST":
        ids = {i for raw in request.POST.getlist("attended") if (i := id_param(raw))}
        count = events.attendance_record(event=event, attended_ids=ids)
        messages.success(request, _("Attendance recorded: %(count)s attended.") % {"count": count})
        return redirect("campaigns:event_checkin", pk=pk)
    rows = accepted.order_by("stakeholder__account__name", "stakeholder__last_name")
    return render(request, "campaigns/event_checkin.html", {"event": event, "rows": rows})


def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invited person answers through the signed link, without a login."""
    invitation = events.invitation_for_token(token)
    if invitation is None:
        return render(request, "campaigns/link_invalid.html", status=400)
    form = RsvpForm(
        request.POST or None,
        initial={"answer": "yes", "companions": invitation.companions},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = events.rsvp_answer(
                invitation=invitation,
                accept=form.cleaned_data["answer"] == "yes",
                companions=form.cleaned_data["companions"],
            )
        except ValidationError as error:
            form.add_error("companions", error)
        else:
            return render(request, "campaigns/rsvp_done.html", {"invitation": invitation})
    status = 400 if form.errors else 200
    context = {"invitation": invitation, "event": invitation.event, "form": form}
    return render(request, "campaigns/rsvp.html", context, status=status)
