"""Accounts and stakeholders in the global search and the pickers (contract: kam.core.plugins)."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Stakeholder
from kam.core.plugins import SearchHit
from kam.search.index import SearchDocument, matches, ranked, scope_of, visible_account_ids


def account_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    accounts = Account.objects.all() if ids is None else Account.objects.filter(pk__in=ids)
    rows = accounts.values_list("pk", "customer_number", "name", "city")
    for pk, number, name, city in rows.iterator(chunk_size=5_000):
        yield SearchDocument("account", pk, pk, name, numbers=(number,), details=(city,))


def stakeholder_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    people = Stakeholder.objects.all() if ids is None else Stakeholder.objects.filter(pk__in=ids)
    rows = people.values_list("pk", "account_id", "first_name", "last_name")
    for pk, account_id, first, last in rows.iterator(chunk_size=5_000):
        # Last name first: "Böhm" ranks as the name's start, "Anna" as a word of it.
        yield SearchDocument("stakeholder", pk, account_id, f"{last} {first}")


SEARCH_SOURCES = {"account": account_documents, "stakeholder": stakeholder_documents}


def accounts_matching(user, query: str, *, limit: int = 20) -> list[tuple[Account, int]]:
    """Visible accounts matching the query, with their tier, best first."""
    found = matches("account", query, account_ids=visible_account_ids(user), limit=limit)
    return ranked(Account.objects.filter(pk__in=list(found)), found, lambda a: a.name)


def stakeholders_matching(
    user, query: str, *, limit: int = 20, account_id: int | None = None
) -> list[tuple[Stakeholder, int]]:
    """Stakeholders of visible accounts (or of one of them) matching the query, best first."""
    scope = visible_account_ids(user)
    if account_id is not None:
        from kam.accounts.selectors import accounts_visible_to

        scope = scope_of(accounts_visible_to(user).filter(pk=account_id).values("id"))
    found = matches("stakeholder", query, account_ids=scope, limit=limit)
    people = Stakeholder.objects.filter(pk__in=list(found)).select_related("account")
    return ranked(people, found, lambda p: f"{p.last_name} {p.first_name}")


def search(user, query: str) -> list[SearchHit]:
    hits = [
        SearchHit(
            kind="account",
            kind_label=_("Accounts"),
            title=account.name,
            subtitle=" · ".join(filter(None, [account.customer_number, account.city])),
            url=reverse("accounts:detail", kwargs={"pk": account.pk}),
            tier=tier,
        )
        for account, tier in accounts_matching(user, query, limit=8)
    ]
    hits += [
        SearchHit(
            kind="stakeholder",
            kind_label=_("Stakeholders"),
            title=str(person),
            subtitle=" · ".join(filter(None, [person.position, person.account.name])),
            url=reverse("accounts:detail", kwargs={"pk": person.account_id})
            + f"#stakeholder-{person.pk}",
            tier=tier,
        )
        for person, tier in stakeholders_matching(user, query, limit=8)
    ]
    return hits
