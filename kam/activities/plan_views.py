from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_get, account_get_editable
from kam.activities import plan_selectors, plan_services
from kam.activities.forms import PLAN_ITEMS, GoalForm, PlanForm, ReviewForm
from kam.activities.models import AccountPlan, GoalKind
from kam.activities.plan_services import PLAN_FIELDS, add_months
from kam.activities.selectors import people_in_reach
from kam.activities.views import add_form_errors
from kam.core.http import AuthenticatedRequest
from kam.core.permissions import can_edit_account, can_view_margins


def plan_url(plan: AccountPlan, anchor: str = "") -> str:
    url = reverse("activities:plan_detail", kwargs={"plan_pk": plan.pk})
    return f"{url}#{anchor}" if anchor else url


@login_required
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    get = request.GET
    filters = plan_selectors.PlanFilter(
        q=get.get("q", "").strip()[:100],
        owner=get.get("owner", ""),
        review=get.get("review", ""),
        sort=get.get("sort", "review"),
    )
    plans = plan_selectors.plan_list(user=request.user, filters=filters)
    page = Paginator(plans, settings.KAM_PAGE_SIZE).get_page(get.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "owners": people_in_reach(request.user),
        "today": timezone.localdate(),
        "overdue_count": plan_selectors.overdue_reviews(user=request.user).count(),
    }
    return render(request, "activities/plan_list.html", context)


@login_required
def account_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The account's current plan, or an empty state with the earlier plans."""
    account = account_get(user=request.user, pk=pk)
    plan = plan_selectors.current_plan(account)
    if plan is not None:
        return redirect(plan_url(plan))
    context = {
        "account": account,
        "earlier": plan_selectors.earlier_plans(account),
        "can_edit": can_edit_account(request.user, account),
    }
    return render(request, "activities/plan_empty.html", context)


def _plan_initial(account) -> dict:
    """A new plan starts from the current one's analysis, which rarely changes completely."""
    today = timezone.localdate()
    initial: dict[str, object] = {"valid_from": today, "valid_until": add_months(today, 12)}
    current = plan_selectors.current_plan(account)
    if current is not None:
        keep = set(PLAN_FIELDS) - {"valid_from", "valid_until", "next_review_due"}
        initial.update({name: getattr(current, name) for name in keep})
    else:
        initial["title"] = _("Account plan %(year)s") % {"year": today.year}
    return initial


@login_required
def plan_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_get_editable(user=request.user, pk=pk)
    form = PlanForm(request.POST or None, initial=_plan_initial(account))
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_create(
                account=account, created_by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Account plan created."))
            return redirect(plan_url(plan))
    context = {"form": form, "account": account, "title": _("New account plan")}
    return render(request, "activities/plan_form.html", context)


@login_required
def plan_detail(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, pk=plan_pk)
    context = plan_selectors.plan_detail(plan, request.user)
    context["earlier"] = plan_selectors.earlier_plans(plan.account).exclude(pk=plan.pk)
    return render(request, "activities/plan_detail.html", context)


@login_required
def plan_print(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, pk=plan_pk)
    context = plan_selectors.plan_detail(plan, request.user)
    context["printed_at"] = timezone.now()
    return render(request, "activities/plan_print.html", context)


@login_required
def plan_update(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get_editable(user=request.user, pk=plan_pk)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_update(plan=plan, data=form.cleaned_data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(plan_url(plan))
    context = {"form": form, "account": plan.account, "title": _("Edit account plan")}
    return render(request, "activities/plan_form.html", context)


def _item_kind(kind: str):
    if kind not in PLAN_ITEMS:
        raise Http404
    return PLAN_ITEMS[kind]


def _item_form(form_class, request, plan, item):
    kwargs = {"instance": item}
    if form_class is GoalForm:
        kwargs["can_view_margins"] = can_view_margins(request.user)
    return form_class(request.POST or None, **kwargs)


def _item_get(plan: AccountPlan, related: str, item_pk: int, user):
    item = get_object_or_404(getattr(plan, related), pk=item_pk)
    if getattr(item, "kind", None) == GoalKind.MARGIN and not can_view_margins(user):
        raise Http404  # a margin goal does not exist for someone who may not see margins
    return item


def _item_page(request, plan, kind: str, item=None) -> HttpResponse:
    model, form_class, _related = _item_kind(kind)
    if item is None:
        item = model(plan=plan)
    form = _item_form(form_class, request, plan, item)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_item_save(item=form.instance)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Account plan updated."))
            return redirect(plan_url(plan, f"{kind}s"))
    context = {
        "form": form,
        "account": plan.account,
        "plan": plan,
        "title": model._meta.verbose_name,
    }
    return render(request, "activities/plan_form.html", context)


@login_required
def plan_item_create(request: AuthenticatedRequest, plan_pk: int, kind: str) -> HttpResponse:
    plan = plan_selectors.plan_get_editable(user=request.user, pk=plan_pk)
    return _item_page(request, plan, kind)


@login_required
def plan_item_update(
    request: AuthenticatedRequest, plan_pk: int, kind: str, item_pk: int
) -> HttpResponse:
    plan = plan_selectors.plan_get_editable(user=request.user, pk=plan_pk)
    item = _item_get(plan, _item_kind(kind)[2], item_pk, request.user)
    return _item_page(request, plan, kind, item)


@login_required
def plan_item_delete(
    request: AuthenticatedRequest, plan_pk: int, kind: str, item_pk: int
) -> HttpResponse:
    plan = plan_selectors.plan_get_editable(user=request.user, pk=plan_pk)
    item = _item_get(plan, _item_kind(kind)[2], item_pk, request.user)
    if request.method == "POST":
        plan_services.plan_item_delete(item=item)
        messages.success(request, _("Account plan updated."))
        return redirect(plan_url(plan, f"{kind}s"))
    return render(
        request, "core/confirm_delete.html", {"object": item, "cancel_url": plan_url(plan)}
    )


@login_required
def review_create(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get_editable(user=request.user, pk=plan_pk)
    form = ReviewForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.review_record(plan=plan, reviewed_by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Review recorded."))
            return redirect(plan_url(plan, "reviews"))
    context = {"form": form, "account": plan.account, "plan": plan, "title": _("Record a review")}
    return render(request, "activities/plan_form.html", context)
