"""The user's API tokens: list, create (the secret shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.http import AuthenticatedRequest
from kam.users import services
from kam.users.forms import AccessTokenForm


@login_required
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    form = AccessTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = services.access_token_create(user=request.user, **form.cleaned_data)
        form = AccessTokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": request.user.access_tokens.all(),
        "now": timezone.now(),
    }
    return render(request, "users/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.access_tokens, pk=pk)
    services.access_token_revoke(token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("users:tokens")
