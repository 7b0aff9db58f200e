"""The GDPR rights of a contact person: export (JSON, PDF), erasure with confirmation, retention."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kam.accounts.models import Stakeholder
from kam.campaigns import gdpr, pdf, selectors
from kam.core import permissions
from kam.core.http import AuthenticatedRequest


def _person(request: AuthenticatedRequest, pk: int) -> Stakeholder:
    if not permissions.can_handle_data_subject_requests(request.user):
        raise PermissionDenied
    return selectors.stakeholder_get(user=request.user, pk=pk)


@login_required
def privacy_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Art. 15 and 17 for one person; erasure needs the typed confirmation word."""
    person = _person(request, pk)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm", "").strip().upper() == _("ERASE"):
            account_pk = person.account_id
            gdpr.stakeholder_erase(person=person)
            messages.success(request, _("The contact person's personal data has been erased."))
            return redirect("accounts:detail", pk=account_pk)
        error = _("Type the word to confirm the erasure.")
    context = {
        "person": person,
        "error": error,
        "related": gdpr.stakeholder_export(person)["related"],
    }
    return render(request, "campaigns/privacy.html", context, status=400 if error else 200)


@login_required
def privacy_export_json(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    body = json.dumps(
        gdpr.stakeholder_export(person), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="auskunft-{person.pk}.json"'
    return response


@login_required
def privacy_export_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    content = pdf.data_export_pdf(person, gdpr.stakeholder_export(person))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="auskunft-{person.pk}.pdf"'
    return response


@login_required
def retention_list(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_handle_data_subject_requests(request.user):
        raise PermissionDenied
    people = gdpr.retention_candidates()
    page = Paginator(people, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "months": settings.KAM_RETENTION_MONTHS}
    return render(request, "campaigns/retention.html", context)
