from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts.models import KeyAccountStatus
from kam.complaints import analysis, satisfaction, selectors, services, workflow
from kam.complaints.forms import (
    AccountChoiceForm,
    AttachmentForm,
    ComplaintEditForm,
    ComplaintForm,
    ResolutionForm,
    SatisfactionForm,
    SlaGridForm,
    SlaOverrideForm,
    taxonomy_entry_form,
)
from kam.complaints.models import Complaint, Severity, SlaOverride, Status, Taxonomy
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param
from kam.core.money import round_half_up


def _filters(request: AuthenticatedRequest) -> selectors.ComplaintFilter:
    get = request.GET
    return selectors.ComplaintFilter(
        q=get.get("q", "").strip()[:100],
        status=get.get("status", ""),
        severity=get.get("severity", ""),
        category=get.get("category", ""),
        owner=get.get("owner", ""),
        overdue=get.get("overdue") == "1",
        account=get.get("account", ""),
        sort=get.get("sort", "-received"),
    )


@login_required
def complaint_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = _filters(request)
    complaints = selectors.complaint_list(user=request.user, filters=filters)
    page = Paginator(complaints, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = set(
        Complaint.objects.filter(
            selectors.overdue_q(timezone.now()), pk__in=[c.pk for c in page.object_list]
        ).values_list("pk", flat=True)
    )
    context = {"page": page, "filters": filters, "overdue": overdue}
    if request.headers.get("HX-Request"):
        return render(request, "complaints/_complaint_table.html", context)
    context.update(
        selectors.complaint_filter_choices(request.user),
        statuses=Status.choices,
        severities=Severity.choices,
        can_manage=permissions.can_manage_complaint_settings(request.user),
    )
    return render(request, "complaints/complaint_list.html", context)


def _detail_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", kwargs={"pk": complaint.pk})


@login_required
def complaint_create(request: AuthenticatedRequest) -> HttpResponse:
    accounts = selectors.complaint_workable_accounts(request.user)
    account_id = id_param(request.POST.get("account") or request.GET.get("account", ""))
    if account_id is None:
        chooser = AccountChoiceForm(accounts=accounts)
        return render(request, "complaints/choose_account.html", {"form": chooser})
    account = get_object_or_404(accounts, pk=account_id)
    form = ComplaintForm(request.POST or None, account=account, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_create(
                account=account, user=request.user, **form.complaint_data()
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("Complaint %(number)s recorded.") % {"number": complaint.number}
            )
            return redirect(_detail_url(complaint))
    return render(request, "complaints/complaint_form.html", {"form": form, "account": account})


@login_required
def complaint_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    can_work = permissions.can_work_on_complaints(request.user, complaint.account)
    steps = [
        {"to": step, "label": workflow.action_label(complaint.status, step)}
        for step in workflow.next_steps(complaint.status)
    ]
    context = {
        "complaint": complaint,
        "can_work": can_work,
        "can_delete": permissions.can_delete_complaints(request.user),
        "steps": steps if can_work else [],
        "resolution_form": ResolutionForm(instance=complaint),
        "attachment_form": AttachmentForm(),
        "attachments": list(complaint.attachments.all()),
        "events": list(complaint.events.select_related("user")),
        "pauses": list(complaint.pauses.all()),
        "overdue": selectors.complaint_is_overdue(complaint),
        "closed": Status.CLOSED,
    }
    return render(request, "complaints/complaint_detail.html", context)


@login_required
def complaint_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    form = ComplaintEditForm(request.POST or None, instance=complaint, account=complaint.account)
    if request.method == "POST" and form.is_valid():
        fresh = selectors.complaint_get_workable(user=request.user, pk=pk)
        try:
            services.complaint_update(
                complaint=fresh, data=form.complaint_data(), editor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_detail_url(complaint))
    return render(
        request,
        "complaints/complaint_form.html",
        {"form": form, "account": complaint.account, "complaint": complaint},
    )


@login_required
def complaint_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    if not permissions.can_delete_complaints(request.user):
        raise PermissionDenied
    if request.method == "POST":
        services.complaint_delete(complaint=complaint)
        messages.success(request, _("Complaint %(number)s deleted.") % {"number": complaint.number})
        return redirect("complaints:list")
    return render(
        request,
        "core/confirm_delete.html",
        {"object": complaint, "cancel_url": _detail_url(complaint)},
    )


def _show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def complaint_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    to_status = request.POST.get("to", "")
    resolution = None
    if to_status in (Status.CLOSED, Status.RESOLVED) and "root_cause" in request.POST:
        form = ResolutionForm(request.POST, instance=complaint)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                text = " ".join(str(error) for error in errors)
                messages.error(request, f"{label}: {text}" if label else text)
            return redirect(_detail_url(complaint))
        resolution = form.resolution_data()
    try:
        services.complaint_transition(
            complaint=complaint,
            to_status=to_status,
            user=request.user,
            note=request.POST.get("note", "")[:2000],
            resolution=resolution,
            survey_base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(
            request, _("Status changed to “%(status)s”.") % {"status": Status(to_status).label}
        )
    return redirect(_detail_url(complaint))


@login_required
@require_POST
def complaint_pause(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    try:
        services.complaint_pause(complaint=complaint, user=request.user)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Waiting for the customer: the SLA clock is paused."))
    return redirect(_detail_url(complaint))


@login_required
@require_POST
def complaint_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    try:
        services.complaint_resume(complaint=complaint, user=request.user)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("The SLA clock runs again; the deadlines moved accordingly."))
    return redirect(_detail_url(complaint))


@login_required
@require_POST
def attachment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, _("Attachment: %(error)s") % {"error": error})
        return redirect(_detail_url(complaint) + "#attachments")
    try:
        services.attachment_add(
            complaint=complaint, file=form.cleaned_data["file"], user=request.user
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Attachment uploaded."))
    return redirect(_detail_url(complaint) + "#attachments")


@login_required
def attachment_download(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> FileResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    attachment = get_object_or_404(complaint.attachments, pk=attachment_pk)
    try:
        handle = default_storage.open(attachment.file.name or "", "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def attachment_delete(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_workable(user=request.user, pk=pk)
    attachment = get_object_or_404(complaint.attachments, pk=attachment_pk)
    services.attachment_delete(attachment=attachment)
    messages.success(request, _("Attachment deleted."))
    return redirect(_detail_url(complaint) + "#attachments")


def _analysis_filter(request: AuthenticatedRequest) -> tuple[analysis.AnalysisFilter, list[str]]:
    from django.utils.dateparse import parse_date

    errors, dates = [], {}
    for name, label in (("since", _("From")), ("until", _("To"))):
        raw = request.GET.get(name, "").strip()
        try:
            dates[name] = parse_date(raw) if raw else None
        except ValueError:
            dates[name] = None
        if raw and dates[name] is None:
            errors.append(_("%(field)s: please enter a date like 2026-01-31.") % {"field": label})
    status = request.GET.get("account_status", "")
    return (
        analysis.AnalysisFilter(
            product=request.GET.get("product", "").strip()[:100],
            account_status=status if status in KeyAccountStatus.values else "",
            since=dates["since"],
            until=dates["until"],
        ),
        errors,
    )


def _chart(rows: list[analysis.ParetoRow]) -> dict:
    return {
        "labels": [row.label for row in rows],
        "counts": [row.count for row in rows],
        "cumulative": [float(round_half_up(row.cumulative * 100, 1)) for row in rows],
    }


@login_required
def complaint_analysis(request: AuthenticatedRequest) -> HttpResponse:
    filters, errors = _analysis_filter(request)
    complaints = analysis.analysed_complaints(user=request.user, filters=filters)
    now = timezone.now()
    causes = analysis.root_cause_pareto(complaints)
    categories = analysis.category_pareto(complaints)
    backlog = analysis.backlog_by_age(complaints, now)
    context = {
        "filters": filters,
        "errors": errors,
        "statuses": KeyAccountStatus.choices,
        "causes": causes,
        "categories": categories,
        "recurring": analysis.recurring_causes(complaints, now),
        "compliance": analysis.sla_compliance(complaints),
        "backlog": backlog,
        "total": complaints.count(),
        "charts": {
            "causes": _chart(causes),
            "categories": _chart(categories),
            "backlog": {"labels": [b[0] for b in backlog], "counts": [b[1] for b in backlog]},
        },
        "recurring_days": analysis.RECURRING_DAYS,
        "recurring_accounts": analysis.RECURRING_ACCOUNTS,
    }
    return render(request, "complaints/analysis.html", context)


@login_required
def sla_settings(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_manage_complaint_settings(request.user):
        raise PermissionDenied
    form = SlaGridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changed = services.sla_templates_save(values=form.values())
        messages.success(request, _("SLA saved (%(count)s changes).") % {"count": changed})
        return redirect("complaints:sla_settings")
    overrides = SlaOverride.objects.select_related("account").order_by("account__name", "severity")
    return render(request, "complaints/sla_settings.html", {"form": form, "overrides": overrides})


@login_required
def sla_override_create(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_manage_complaint_settings(request.user):
        raise PermissionDenied
    from kam.accounts.selectors import accounts_visible_to

    form = SlaOverrideForm(request.POST or None, accounts=accounts_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.sla_override_save(override=form.instance)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Customer agreement saved."))
            return redirect("complaints:sla_settings")
    return render(request, "complaints/sla_override_form.html", {"form": form})


@login_required
def sla_override_delete(request: AuthenticatedRequest, override_pk: int) -> HttpResponse:
    if not permissions.can_manage_complaint_settings(request.user):
        raise PermissionDenied
    override = get_object_or_404(SlaOverride, pk=override_pk)
    if request.method == "POST":
        services.sla_override_delete(override=override)
        messages.success(request, _("Customer agreement deleted."))
        return redirect("complaints:sla_settings")
    return render(
        request,
        "core/confirm_delete.html",
        {"object": override, "cancel_url": reverse("complaints:sla_settings")},
    )


def satisfaction_survey(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the customer answers through the signed link, without a login."""
    complaint = satisfaction.complaint_for_token(token)
    if complaint is None:
        return render(request, "complaints/satisfaction_invalid.html", status=400)
    form = SatisfactionForm(request.POST or None)
    answered = complaint.satisfaction_answered_at is not None
    if request.method == "POST" and not answered and form.is_valid():
        try:
            satisfaction.survey_answer(
                complaint=complaint,
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError:
            pass
        answered = True
    return render(
        request,
        "complaints/satisfaction.html",
        {"complaint": complaint, "form": form, "answered": answered},
    )


def _taxonomy(request: AuthenticatedRequest, kind: str) -> type[Taxonomy]:
    if not permissions.can_manage_complaint_settings(request.user):
        raise PermissionDenied
    model = services.TAXONOMIES.get(kind)
    if model is None:
        raise Http404
    return model


def _lists_page(request: AuthenticatedRequest, bound: dict | None = None) -> HttpResponse:
    """Categories and root causes, each with a form for a new entry (``bound``: kind → a form
    that failed validation)."""
    lists = [
        {
            "kind": kind,
            "title": model._meta.verbose_name_plural,
            "entries": model._default_manager.all(),
            "form": (bound or {}).get(kind) or taxonomy_entry_form(model, new=True)(prefix=kind),
        }
        for kind, model in services.TAXONOMIES.items()
    ]
    return render(request, "complaints/lists.html", {"lists": lists}, status=400 if bound else 200)


@login_required
def complaint_lists(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_manage_complaint_settings(request.user):
        raise PermissionDenied
    return _lists_page(request)


@login_required
def taxonomy_create(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    model = _taxonomy(request, kind)  # the right first: a GET answers 405 only to leaders
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = taxonomy_entry_form(model, new=True)(request.POST, prefix=kind)
    if form.is_valid():
        try:
            entry = services.taxonomy_entry_save(entry=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("„%(name)s“ added.") % {"name": entry.name})
            return redirect("complaints:lists")
    return _lists_page(request, {kind: form})


@login_required
def taxonomy_update(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    model = _taxonomy(request, kind)
    entry: Taxonomy = get_object_or_404(model, pk=pk)
    stored_name = entry.name  # the form writes the typed one into the entry
    form = taxonomy_entry_form(model)(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.taxonomy_entry_save(entry=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("„%(name)s“ saved.") % {"name": entry.name})
            return redirect("complaints:lists")
    context = {"form": form, "name": stored_name, "title": model._meta.verbose_name}
    return render(request, "complaints/taxonomy_form.html", context)


@login_required
def handled_accounts(request: AuthenticatedRequest) -> HttpResponse:
    """The accounts of the user's open complaints (customer service's start page loads it)."""
    from kam.complaints.worklist import accounts_handled_by

    accounts = list(accounts_handled_by(request.user)[:20])
    return render(request, "complaints/_handled_accounts.html", {"accounts": accounts})
