"""Pages of products, agreements, price resolution and the approval authority policy."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts.selectors import accounts_editable_by
from kam.conditions import authority, products, selectors, services
from kam.conditions.forms import (
    AgreementForm,
    AuthorityRuleForm,
    BonusTiersForm,
    CommentForm,
    ConditionLineForm,
    ImportForm,
    ResolveForm,
)
from kam.conditions.models import AgreementStatus, AuthorityRule, ConditionLine, ProductImport
from kam.conditions.resolution import explain, resolve_price
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _page(request, items):
    return Paginator(items, settings.KAM_PAGE_SIZE).get_page(request.GET.get("page"))


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- products


@login_required
def product_list(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    q = request.GET.get("q", "").strip()[:100]
    group = id_param(request.GET.get("group"))
    context = {
        "page": _page(request, products.product_list(q=q, group=group)),
        "q": q,
        "can_manage": permissions.can_manage_products(request.user),
        "imports": ProductImport.objects.all()[:5],
    }
    return render(request, "conditions/product_list.html", context)


@login_required
def product_import(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_manage_products(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()[:6]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"catalogue{suffix}"
            with path.open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
            result = products.catalogue_import(path=path, user=request.user, file_name=upload.name)
    return render(request, "conditions/product_import.html", {"form": form, "result": result})


@login_required
def products_missing(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_manage_products(request.user))
    rows = products.missing_products()
    return render(request, "conditions/products_missing.html", {"rows": rows})


# --- agreements


def _agreement_filters(request) -> selectors.AgreementFilter:
    return selectors.AgreementFilter(
        q=request.GET.get("q", "").strip()[:100],
        status=request.GET.get("status", ""),
        account=id_param(request.GET.get("account")),
        sort=request.GET.get("sort", "-valid_from"),
    )


@login_required
def agreement_list(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    filters = _agreement_filters(request)
    context = {
        "page": _page(request, selectors.agreement_list(user=request.user, filters=filters)),
        "filters": filters,
        "statuses": AgreementStatus.choices,
        "can_edit": permissions.can_edit_conditions(request.user),
        "waiting": selectors.agreements_waiting_for(request.user).select_related("account"),
    }
    return render(request, "conditions/agreement_list.html", context)


def _editable_accounts(user):
    return selectors.condition_accounts(user).filter(pk__in=accounts_editable_by(user))


@login_required
def agreement_create(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_edit_conditions(request.user))
    accounts = _editable_accounts(request.user)
    initial = {"account": id_param(request.GET.get("account")), "valid_from": timezone.localdate()}
    form = AgreementForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "account"}
        try:
            agreement = services.agreement_create(
                account=form.cleaned_data["account"], user=request.user, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The agreement has been created as a draft."))
            return redirect("conditions:agreement_detail", pk=agreement.pk)
    return render(request, "conditions/agreement_form.html", {"form": form})


def _agreement_for_edit(request, pk: int):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    require(permissions.can_edit_account_conditions(request.user, agreement.account))
    return agreement


@login_required
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    can_edit = permissions.can_edit_account_conditions(request.user, agreement.account)
    bonus = "\n".join(
        f"{tier.from_revenue}; {tier.percent}".replace(".", ",")
        for tier in agreement.bonus_tiers.all()
    )
    context = {
        "agreement": agreement,
        "lines": selectors.agreement_lines(agreement),
        "events": agreement.events.select_related("user"),
        "bonus_tiers": agreement.bonus_tiers.all(),
        "can_edit": can_edit and agreement.status in services.EDITABLE,
        "can_request": can_edit
        and agreement.status in (AgreementStatus.DRAFT, AgreementStatus.REJECTED),
        "can_decide": services.can_decide(agreement, request.user),
        "line_form": ConditionLineForm(),
        "bonus_form": BonusTiersForm(initial={"tiers": bonus}, prefix="bonus"),
    }
    return render(request, "conditions/agreement_detail.html", context)


@login_required
def agreement_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _agreement_for_edit(request, pk)
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(
                agreement=selectors.agreement_get(user=request.user, pk=pk),
                user=request.user,
                data=form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("conditions:agreement_detail", pk=pk)
    return render(request, "conditions/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
@require_POST
def agreement_line_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _agreement_for_edit(request, pk)
    form = ConditionLineForm(request.POST)
    if form.is_valid():
        data = services.LineInput(
            kind=form.cleaned_data["kind"],
            product=form.cleaned_data["product_number"],
            product_group=form.cleaned_data["product_group"],
            net_price=form.cleaned_data["net_price"],
            percent=form.cleaned_data["percent"],
            tiers=form.cleaned_data["tiers"],
        )
        try:
            services.condition_line_save(agreement=agreement, data=data, user=request.user)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The condition has been added."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("conditions:agreement_detail", pk=pk)


@login_required
@require_POST
def agreement_line_delete(request: AuthenticatedRequest, pk: int, line_pk: int) -> HttpResponse:
    agreement = _agreement_for_edit(request, pk)
    line = get_object_or_404(ConditionLine, pk=line_pk, agreement=agreement)
    try:
        services.condition_line_delete(line=line, user=request.user)
    except ValidationError as error:
        _errors(request, error)
    return redirect("conditions:agreement_detail", pk=pk)


@login_required
@require_POST
def agreement_bonus(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _agreement_for_edit(request, pk)
    form = BonusTiersForm(request.POST, prefix="bonus")
    if form.is_valid():
        try:
            services.bonus_tiers_save(
                agreement=agreement, tiers=form.cleaned_data["tiers"], user=request.user
            )
        except ValidationError as error:
            _errors(request, error)
    else:
        for message in form.errors.get("tiers", []):
            messages.error(request, str(message))
    return redirect("conditions:agreement_detail", pk=pk)


@login_required
@require_POST
def agreement_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    require(permissions.can_edit_conditions(request.user))
    form = CommentForm(request.POST)
    if not form.is_valid():
        return redirect("conditions:agreement_detail", pk=pk)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    try:
        if action == "request":
            require(permissions.can_edit_account_conditions(request.user, agreement.account))
            agreement = services.agreement_request(
                agreement=agreement, user=request.user, comment=comment
            )
            _tell_request(request, agreement)
        elif action == "approve":
            services.agreement_approve(agreement=agreement, user=request.user, comment=comment)
            messages.success(request, _("The agreement has been approved."))
        elif action == "reject":
            services.agreement_reject(agreement=agreement, user=request.user, comment=comment)
            messages.success(request, _("The agreement has been rejected."))
    except ValidationError as error:
        _errors(request, error)
    return redirect("conditions:agreement_detail", pk=pk)


def _tell_request(request, agreement) -> None:
    if agreement.status == AgreementStatus.REQUESTED:
        messages.success(
            request,
            _("Approval requested from %(approver)s.") % {"approver": agreement.approver or "—"},
        )
    else:
        messages.success(request, _("Within your authority: the agreement is approved."))


# --- resolution


@login_required
def resolve(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_view_conditions(request.user))
    accounts = selectors.condition_accounts(request.user).order_by("name")
    form = ResolveForm(request.GET or None, accounts=accounts)
    context: dict = {"form": form}
    if request.GET and form.is_valid():
        resolution = resolve_price(
            account=form.cleaned_data["account"],
            product=form.cleaned_data["product_number"],
            quantity=form.cleaned_data["quantity"],
            as_of=timezone.localdate(),
        )
        context.update(resolution=resolution, sentences=explain(resolution))
    return render(request, "conditions/resolve.html", context)


# --- the approval authority policy


@login_required
def authority_policy(request: AuthenticatedRequest) -> HttpResponse:
    require(permissions.can_manage_authority_policy(request.user))
    rule = None
    if (pk := id_param(request.GET.get("rule") or request.POST.get("rule"))) is not None:
        rule = get_object_or_404(AuthorityRule, pk=pk)
    form = AuthorityRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and request.POST.get("delete") and rule is not None:
        with transaction.atomic():
            authority.audit(user=request.user, action="policy_deleted", subject=str(rule))
            rule.delete()
        return redirect("conditions:authority")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            authority.audit(
                user=request.user,
                action="policy_saved",
                subject=str(saved),
                max_discount=saved.max_discount_percent,
                margin_floor=saved.margin_floor_percent,
            )
        messages.success(request, _("The approval authority has been saved."))
        return redirect("conditions:authority")
    context = {
        "rules": AuthorityRule.objects.all(),
        "form": form,
        "rule": rule,
        "events": authority.AuthorityEvent.objects.select_related("user")[:30],
    }
    return render(request, "conditions/authority.html", context)
