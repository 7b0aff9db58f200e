from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from kam.accounts.search import accounts_matching, stakeholders_matching
from kam.core import permissions
from kam.core.http import AuthenticatedRequest, id_param
from kam.core.plugins import global_search
from kam.search.index import MIN_QUERY, search_batch
from kam.search.selectors import users_matching

#: Longest query read: nobody types more, and a megabyte of "a" must not reach the database.
QUERY_MAX = 100


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    detail: str = ""


def _query(request) -> str:
    query = request.GET.get("q", "")
    return query.strip()[:QUERY_MAX] if isinstance(query, str) else ""


def _search(request, query: str) -> dict:
    if len(query) < MIN_QUERY:
        return {}
    with search_batch(request.user, query, limit=8):  # every app's search asks for 8
        return global_search(request.user, query)


@login_required
def search_results(request: AuthenticatedRequest) -> HttpResponse:
    query = _query(request)
    return render(
        request, "search/results.html", {"query": query, "groups": _search(request, query)}
    )


@login_required
def search_suggest(request: AuthenticatedRequest) -> HttpResponse:
    """The top bar's dropdown: a few hits per kind, each a link."""
    query = _query(request)
    groups = {kind: hits[:5] for kind, hits in _search(request, query).items()}
    return render(request, "search/_suggest.html", {"query": query, "groups": groups})


def _options(request, options: list[Option], query: str) -> HttpResponse:
    return render(request, "search/_options.html", {"options": options, "query": query})


@login_required
def pick_accounts(request: AuthenticatedRequest) -> HttpResponse:
    query = _query(request)
    found = accounts_matching(request.user, query, limit=15) if query else []
    options = [Option(str(a.pk), f"{a.name} ({a.customer_number})", a.city) for a, _tier in found]
    return _options(request, options, query)


@login_required
def pick_stakeholders(request: AuthenticatedRequest) -> HttpResponse:
    query = _query(request)
    account_id = id_param(request.GET.get("account", ""))
    found = (
        stakeholders_matching(request.user, query, limit=15, account_id=account_id) if query else []
    )
    options = [
        Option(str(p.pk), str(p), " · ".join(filter(None, [p.position, p.account.name])))
        for p, _tier in found
    ]
    return _options(request, options, query)


@login_required
def pick_users(request: AuthenticatedRequest) -> HttpResponse:
    query = _query(request)
    # A form may narrow the choice to the users of one capability (kam.core.permissions).
    user_list = permissions.USER_LISTS.get(request.GET.get("list", ""))
    options = [
        Option(str(u.pk), str(u), u.get_role_display())
        for u in users_matching(query, limit=15, users=user_list() if user_list else None)
    ]
    return _options(request, options, query)
