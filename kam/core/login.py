"""The login page's answer while django-axes holds logins back after too many wrong passwords."""

from datetime import datetime

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kam.core.http import client_address


def retry_at(request: HttpRequest, credentials: dict | None) -> datetime:
    """When the lock ends: the cool-off after the last failure that counts against this username
    or this client address (failures during the lock are not recorded, so it does not move)."""
    username = get_client_username(request, credentials)
    attempts = AccessAttempt.objects.filter(
        Q(username=username) | Q(ip_address=client_address(request))
    )
    last = attempts.aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return timezone.localtime(last + (get_cool_off(request) or settings.AXES_COOLOFF_TIME))


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    until = retry_at(request, credentials)
    message = _("Too many failed attempts. Please try again at %(time)s.") % {
        "time": formats.time_format(until, "H:i")
    }
    context = {
        "form": AuthenticationForm(request),
        "lockout_message": message,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
