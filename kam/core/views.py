from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from kam.core.forms import UserSettingsForm
from kam.core.http import AuthenticatedRequest


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


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
