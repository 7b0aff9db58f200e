from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from kam.core.forms import UserSettingsForm
from kam.core.http import AuthenticatedRequest
from kam.core.workers import workers_alive


@login_required
def user_settings(request: AuthenticatedRequest) -> HttpResponse:
    form = UserSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Settings saved."))
        return redirect("settings")
    return render(request, "core/settings.html", {"form": form})


def health(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 when the database answers and a worker has a fresh heartbeat, else
    503 naming what is down."""
    checks = {"database": "ok", "worker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        alive = workers_alive()
    except DatabaseError:
        checks = {"database": "down", "worker": "unknown"}
    else:
        if not alive:
            checks["worker"] = "down"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
