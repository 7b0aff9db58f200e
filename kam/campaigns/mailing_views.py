"""Segments, mailings and the outbox's uncertain mails."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts.selectors import account_filter_choices, accounts_visible_to
from kam.campaigns import mailings, outbox, segments
from kam.campaigns.forms import MailingForm, SegmentForm
from kam.campaigns.models import Mailing, MailingStatus, MailStatus, OutboxMail, Purpose
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param


def _sender(request: AuthenticatedRequest) -> None:
    if not permissions.can_send_mailings(request.user):
        raise PermissionDenied


def _segment_choices(request: AuthenticatedRequest) -> dict:
    choices = account_filter_choices(request.user)
    visible = accounts_visible_to(request.user)
    choices["groups"] = list(visible.filter(members__isnull=False).distinct().order_by("name"))
    return choices


@login_required
def segment_list(request: AuthenticatedRequest) -> HttpResponse:
    _sender(request)
    page = Paginator(segments.segments_for(request.user), settings.KAM_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "campaigns/segment_list.html", {"page": page})


@login_required
def segment_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    _sender(request)
    segment = get_object_or_404(segments.segments_for(request.user), pk=pk) if pk else None
    if segment and not segments.may_change(segment, request.user):
        raise PermissionDenied
    initial = SegmentForm.initial_from(segment) if segment else None
    form = SegmentForm(request.POST or None, initial=initial, choices=_segment_choices(request))
    if request.method == "POST" and form.is_valid():
        segment = segments.segment_save(
            segment=segment,
            name=form.cleaned_data["name"],
            filters=form.filters(),
            user=request.user,
        )
        return redirect("campaigns:segment_detail", pk=segment.pk)
    return render(request, "campaigns/segment_form.html", {"form": form, "segment": segment})


@login_required
def segment_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _sender(request)
    segment = get_object_or_404(segments.segments_for(request.user), pk=pk)
    purpose = request.GET.get("purpose", Purpose.NEWSLETTER)
    purpose = purpose if purpose in Purpose.values else Purpose.NEWSLETTER
    preview = segments.segment_preview(segment=segment, user=request.user, purpose=purpose)
    page = Paginator(preview.recipients, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "segment": segment,
        "preview": preview,
        "page": page,
        "purpose": purpose,
        "purposes": Purpose.choices,
    }
    return render(request, "campaigns/segment_detail.html", context)


def _mailings(request: AuthenticatedRequest) -> QuerySet[Mailing]:
    """Leadership sees every mailing; a sender their own."""
    _sender(request)
    found = Mailing.objects.select_related("segment", "created_by", "approved_by")
    if permissions.can_approve_mailings(request.user):
        return found
    return found.filter(created_by=request.user)


@login_required
def mailing_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(_mailings(request), settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/mailing_list.html", {"page": page})


@login_required
def mailing_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    found = _mailings(request)
    mailing = get_object_or_404(found, pk=pk) if pk else Mailing()
    if mailing.pk and mailing.status != MailingStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("campaigns:mailing_detail", pk=mailing.pk)
    initial = {"segment": request.GET.get("segment")} if not mailing.pk else None
    form = MailingForm(
        request.POST or None,
        instance=mailing,
        initial=initial,
        segments=segments.segments_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            mailing = mailings.mailing_save(mailing=form.instance, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("campaigns:mailing_detail", pk=mailing.pk)
    return render(request, "campaigns/mailing_form.html", {"form": form, "mailing": mailing})


def _preview_person(request, preview):
    wanted = id_param(request.GET.get("recipient", ""))
    people = [person for person, _decision in preview.recipients]
    chosen = next((p for p in people if p.pk == wanted), None)
    return chosen or (preview.allowed[0] if preview.allowed else (people[0] if people else None))


@login_required
def mailing_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mailing = get_object_or_404(_mailings(request), pk=pk)
    preview = segments.segment_preview(
        segment=mailing.segment, user=mailing.created_by, purpose=mailing.purpose
    )
    person = _preview_person(request, preview)
    rows = OutboxMail.objects.filter(mailing=mailing, kind="mailing").select_related("account")
    context = {
        "mailing": mailing,
        "preview": preview,
        "person": person,
        "rendered": mailings.render_for(mailing, person) if person else None,
        "progress": mailings.mailing_progress(mailing),
        "page": Paginator(rows.order_by("id"), settings.KAM_PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "needs_approval": mailings.needs_approval(mailing, len(preview.allowed), request.user),
        "can_approve": permissions.can_approve_mailings(request.user),
    }
    return render(request, "campaigns/mailing_detail.html", context)


def _act(request: AuthenticatedRequest, pk: int, action, done: str) -> HttpResponse:
    mailing = get_object_or_404(_mailings(request), pk=pk)
    try:
        action(mailing)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("campaigns:mailing_detail", pk=pk)


@login_required
@require_POST
def mailing_test(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def send(mailing):
        mailings.test_mail_send(mailing=mailing, user=request.user)

    return _act(
        request,
        pk,
        send,
        _("A test mail is on its way to %(email)s.") % {"email": request.user.email},
    )


@login_required
@require_POST
def mailing_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def confirm(mailing):
        mailings.mailing_confirm(mailing=mailing, user=request.user)

    return _act(request, pk, confirm, _("The mailing is confirmed."))


@login_required
@require_POST
def mailing_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not permissions.can_approve_mailings(request.user):
        raise PermissionDenied

    def approve(mailing):
        mailings.mailing_approve(mailing=mailing, user=request.user)

    return _act(request, pk, approve, _("The mailing is approved."))


@login_required
@require_POST
def mailing_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def cancel(mailing):
        mailings.mailing_cancel(mailing=mailing)

    return _act(request, pk, cancel, _("The mailing is cancelled."))


@login_required
def outbox_uncertain(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_approve_mailings(request.user):
        raise PermissionDenied
    rows = OutboxMail.objects.filter(status=MailStatus.UNCERTAIN).order_by("claimed_at", "id")
    page = Paginator(rows, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/outbox.html", {"page": page})


@login_required
@require_POST
def outbox_resolve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not permissions.can_approve_mailings(request.user):
        raise PermissionDenied
    mail = get_object_or_404(OutboxMail, pk=pk)
    delivered = request.POST.get("delivered") == "yes"
    if outbox.mail_resolve_uncertain(mail=mail, delivered=delivered):
        messages.success(request, _("Recorded."))
    return redirect("campaigns:outbox")
