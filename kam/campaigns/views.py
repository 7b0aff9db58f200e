"""Consent pages: a contact person's consent and proof, the wording, and the public signed
links (double opt-in and unsubscribe) that work without a login."""

import ipaddress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kam.accounts.models import Stakeholder
from kam.campaigns import consent, pdf, selectors, tokens
from kam.campaigns.forms import ConsentForm, WithdrawForm, WordingForm
from kam.campaigns.models import CaptureMethod, Purpose
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, client_address


def _ip(request: HttpRequest) -> str | None:
    """The client's address for the proof, if it is one (a proxy header may hold anything)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def _stakeholder(request: AuthenticatedRequest, pk: int) -> Stakeholder:
    if not permissions.can_see_consent(request.user):
        raise PermissionDenied
    return selectors.stakeholder_get(user=request.user, pk=pk)


def _editable_stakeholder(request: AuthenticatedRequest, pk: int) -> Stakeholder:
    stakeholder = _stakeholder(request, pk)
    if not permissions.can_record_consent(request.user, stakeholder.account):
        raise PermissionDenied
    return stakeholder


@login_required
def consent_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stakeholder = _stakeholder(request, pk)
    return _render_consent(request, stakeholder, ConsentForm(), WithdrawForm())


def _render_consent(request, stakeholder, form, withdraw_form, status=200) -> HttpResponse:
    context = {
        "stakeholder": stakeholder,
        "account": stakeholder.account,
        "overview": selectors.consent_overview(stakeholder),
        "history": selectors.consent_history(stakeholder),
        "form": form,
        "withdraw_form": withdraw_form,
        "can_record": permissions.can_record_consent(request.user, stakeholder.account),
    }
    return render(request, "campaigns/consent.html", context, status=status)


@login_required
@require_POST
def consent_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stakeholder = _editable_stakeholder(request, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            record = consent.consent_record(
                stakeholder=stakeholder, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Recorded: %(status)s.") % {"status": record.get_status_display()}
            )
            return redirect("campaigns:consent", pk=stakeholder.pk)
    return _render_consent(request, stakeholder, form, WithdrawForm(), status=400)


@login_required
@require_POST
def consent_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stakeholder = _editable_stakeholder(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_consent(request, stakeholder, ConsentForm(), form, status=400)
    consent.consent_withdraw(
        stakeholder=stakeholder,
        method=CaptureMethod.MANAGER,
        user=request.user,
        **form.cleaned_data,
    )
    messages.success(request, _("The withdrawal has been recorded."))
    return redirect("campaigns:consent", pk=stakeholder.pk)


@login_required
def consent_proof_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    stakeholder = _stakeholder(request, pk)
    content = pdf.consent_proof_pdf(stakeholder, selectors.consent_history(stakeholder))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="einwilligung-{stakeholder.pk}.pdf"'
    return response


@login_required
def wording_list(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_manage_consent_wording(request.user):
        raise PermissionDenied
    form = WordingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wording = consent.wording_publish(**form.cleaned_data)
        messages.success(
            request, _("Version %(version)s published.") % {"version": wording.version}
        )
        return redirect("campaigns:wordings")
    return render(
        request, "campaigns/wordings.html", {"form": form, "wordings": selectors.wordings()}
    )


def doi_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the person confirms the consent with one click on the button (a GET only shows
    it, so that a mail scanner opening the link confirms nothing)."""
    pending = consent.doi_pending_for_token(token)
    if pending is None:
        return render(request, "campaigns/link_invalid.html", status=400)
    confirmed = None
    if request.method == "POST":
        confirmed = consent.doi_confirm(pending=pending, ip_address=_ip(request))
        if confirmed is None:
            return render(request, "campaigns/link_invalid.html", status=400)
    return render(request, "campaigns/doi.html", {"pending": pending, "confirmed": confirmed})


@csrf_exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" without a form
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Public: withdraws the purpose's e-mail consent at once on POST (the button, or the mail
    client's one-click request); a GET shows the button."""
    payload = tokens.unsubscribe_payload(token)
    stakeholder = None
    if payload is not None and payload[1] in Purpose.values:
        stakeholder = Stakeholder.objects.filter(pk=payload[0]).first()
    if stakeholder is None or payload is None:
        return render(request, "campaigns/link_invalid.html", status=400)
    purpose = Purpose(payload[1])
    done = False
    if request.method == "POST":
        consent.consent_withdraw(
            stakeholder=stakeholder,
            purpose=purpose,
            method=CaptureMethod.UNSUBSCRIBE,
            ip_address=_ip(request),
        )
        done = True
    return render(request, "campaigns/unsubscribe.html", {"purpose": purpose, "done": done})
