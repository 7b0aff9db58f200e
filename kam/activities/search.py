"""Account plans in the global search (contract: kam.core.plugins): by title."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.activities.models import AccountPlan
from kam.core.plugins import SearchHit
from kam.search.index import SearchDocument, matches, ranked, visible_account_ids


def plan_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    plans = AccountPlan.objects.all() if ids is None else AccountPlan.objects.filter(pk__in=ids)
    rows = plans.values_list("pk", "account_id", "title", "account__name")
    for pk, account_id, title, account_name in rows.iterator(chunk_size=5_000):
        yield SearchDocument("plan", pk, account_id, title, details=(account_name,))


SEARCH_SOURCES = {"plan": plan_documents}


def search(user, query: str) -> list[SearchHit]:
    found = matches("plan", query, account_ids=visible_account_ids(user), limit=8)
    plans = AccountPlan.objects.filter(pk__in=list(found)).select_related("account")
    return [
        SearchHit(
            kind="plan",
            kind_label=_("Account plans"),
            title=plan.title,
            subtitle=f"{plan.account.name} · {plan.get_status_display()}",
            url=reverse("activities:plan_detail", kwargs={"plan_pk": plan.pk}),
            tier=tier,
        )
        for plan, tier in ranked(plans, found)
    ]
