from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.http import AuthenticatedRequest
from kam.core.plugins import worklist
from kam.notifications import selectors, services
from kam.notifications.forms import NotificationPreferenceForm


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    notifications = selectors.notifications_for(request.user, unread_only=unread_only)
    page = Paginator(notifications, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(request.user),
        },
    )


@login_required
def worklist_section(request: AuthenticatedRequest) -> HttpResponse:
    """The start page's "what needs you today" (loaded by the page, so that the cockpit's own
    rendering and caching stay as they are)."""
    return render(request, "notifications/_worklist.html", {"worklist": worklist(request.user)})


@login_required
def bell(request: AuthenticatedRequest) -> HttpResponse:
    """The bell with the unread count (the top bar loads it)."""
    return render(
        request, "notifications/_bell.html", {"unread": selectors.unread_count(request.user)}
    )


@login_required
@require_POST
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Marks the notification read and goes to its object."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    own_site = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and own_site else "notifications:inbox")


@login_required
@require_POST
def notification_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect("notifications:inbox")


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    preference = selectors.notification_preference(request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.notification_preference_set(
            user=request.user, by_mail=form.cleaned_data["by_mail"]
        )
        messages.success(request, _("Settings saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
