"""The search index: writes (kept current by the services that write names) and the match.

Each app's `search.py` names its sources, `SEARCH_SOURCES = {kind: documents}`, where
`documents(ids)` yields a `SearchDocument` per object of that kind (all of them for `ids=None`).
A service that writes a name calls `index_refresh(kind, ids)` in its transaction; objects
created in bulk (the sales import) are added by `index_missing(kind)`; `kam search-reindex`
rebuilds the whole index.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from kam.core.plugins import app_modules
from kam.search.models import SearchTerm
from kam.search.normalise import compact, prefix_end, search_words

BATCH = 5_000
#: Fewest characters a query needs: one letter would match a tenth of every name.
MIN_QUERY = 2


@dataclass(frozen=True)
class SearchDocument:
    kind: str
    object_id: int
    account_id: int | None
    name: str
    numbers: tuple[str, ...] = ()
    details: tuple[str, ...] = ()

    def terms(self) -> dict[str, int]:
        """Each normalised term with its best (lowest) weight."""
        found: dict[str, int] = {}

        def add(term: str, weight: int) -> None:
            if term and weight < found.get(term, 99):
                found[term] = weight

        for number in self.numbers:
            add(compact(number), SearchTerm.NUMBER)
        for position, word in enumerate(search_words(self.name)):
            add(word, SearchTerm.FIRST_WORD if position == 0 else SearchTerm.WORD)
        for detail in self.details:
            for word in search_words(detail):
                add(word, SearchTerm.DETAIL)
        return found


Source = Callable[[list[int] | None], Iterable[SearchDocument]]


def sources() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for module in app_modules("search"):
        found.update(getattr(module, "SEARCH_SOURCES", {}))
    return found


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _store(documents: Iterable[SearchDocument]) -> int:
    stored = 0
    for chunk in _chunks(documents, BATCH):
        terms = [
            SearchTerm(
                kind=document.kind,
                object_id=document.object_id,
                account_id=document.account_id,
                term=term,
                weight=weight,
            )
            for document in chunk
            for term, weight in document.terms().items()
        ]
        SearchTerm.objects.bulk_create(terms, batch_size=BATCH)
        stored += len(chunk)
    return stored


@transaction.atomic
def index_refresh(kind: str, ids: Iterable[int]) -> None:
    """Index these objects anew (an id whose object is gone leaves the index)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    for chunk in _chunks(ids, 900):  # below SQLite's limit of query parameters
        SearchTerm.objects.filter(kind=kind, object_id__in=chunk).delete()
        _store(sources()[kind](chunk))


@transaction.atomic
def index_rebuild(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """The whole index of these kinds (default: every kind) built anew; objects per kind."""
    counts = {}
    for kind, source in sources().items():
        if kinds is not None and kind not in kinds:
            continue
        SearchTerm.objects.filter(kind=kind).delete()
        counts[kind] = _store(source(None))
    _analyze()
    return counts


def _analyze() -> None:
    """Fresh statistics after a rebuild: without them PostgreSQL plans the match against an
    empty table (autovacuum may come minutes later, or be off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_TABLE}")


def index_missing(kind: str, ids: QuerySet) -> int:
    """Adds the objects of `ids` (a values_list of ids) that the index does not know yet."""
    known = SearchTerm.objects.filter(kind=kind).values("object_id")
    missing = list(ids.exclude(pk__in=known))
    for chunk in _chunks(missing, 900):
        index_refresh(kind, chunk)
    return len(missing)


# --- the match

_TABLE = SearchTerm._meta.db_table
#: The tier of a match on a word of each weight (a number's tier depends on the term).
_NAME_TIERS = {SearchTerm.FIRST_WORD: 2, SearchTerm.WORD: 3, SearchTerm.DETAIL: 4}


#: The account ids a search is limited to, as SQL and its parameters (None: every account).
Scope = tuple[str, list] | None

#: Whether a term's account is in the scope. Wrapped in IS TRUE (the same truth in a WHERE) so
#: that PostgreSQL checks each row against the scope's hash while it walks the index in order,
#: and stops after LIMIT rows, instead of joining the scope (a hash join loses the index's
#: order, so every row of the prefix was read and sorted: 77,000 for "sch" among 500,000
#: stakeholders, 50-70 ms for a key account manager against 2 ms for leadership).
_IN_SCOPE = " AND (account_id IN (SELECT id FROM visible)) IS TRUE"


def _branch(weight: int, tier_sql: str, where: str) -> str:
    """One kind's and weight's best rows: a range on the covering index (kind, weight, term,
    account_id, object_id), in its order, that stops after LIMIT rows however many names share
    the prefix."""
    return (
        f"SELECT %s AS kind, object_id, {tier_sql} AS tier FROM ("  # noqa: S608
        f"SELECT object_id, term FROM {_TABLE} WHERE kind = %s"
        f" AND weight = {weight:d} AND term >= %s AND term < %s{where}"
        f" ORDER BY term, account_id, object_id LIMIT %s) AS w{weight:d}"
    )


def _statement(kinds: list[str], query: str, scope: Scope, limit: int) -> tuple[str, list]:
    words = search_words(query)
    number = compact(query)
    # The scope is computed once per statement (a CTE), not once per index range.
    visible, where, params = "", "", []
    if scope is not None:
        visible, where, params = f"WITH visible(id) AS ({scope[0]}) ", _IN_SCOPE, list(scope[1])
    main = max(words, key=len)
    fetch = limit * 2  # an object may match with two words of one weight
    branches = []
    for kind in kinds:
        extra, extra_params = "", []
        for word in words:
            if word != main:
                extra += (
                    f" AND object_id IN (SELECT object_id FROM {_TABLE}"  # noqa: S608
                    " WHERE kind = %s AND term >= %s AND term < %s)"
                )
                extra_params += [kind, word, prefix_end(word)]
        number_tier = "CASE WHEN term = %s THEN 0 ELSE 1 END"
        branches.append(_branch(SearchTerm.NUMBER, number_tier, where))
        params += [kind, number, kind, number, prefix_end(number), fetch]
        for weight, tier in _NAME_TIERS.items():
            branches.append(_branch(weight, f"{tier:d}", where + extra))
            params += [kind, kind, main, prefix_end(main), *extra_params, fetch]
    return visible + " UNION ALL ".join(branches), params


def matches_of_kinds(
    kinds: list[str], query: str, *, account_ids: Scope, limit: int = 20
) -> dict[str, dict[int, int]]:
    """`matches` for several kinds in one statement (the global search asks all at once)."""
    found: dict[str, dict[int, int]] = {kind: {} for kind in kinds}
    if len(compact(query)) < MIN_QUERY or not kinds:
        return found
    statement, params = _statement(kinds, query, account_ids, limit)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    for kind, object_id, tier in rows:
        best = found[kind]
        best[int(object_id)] = min(int(tier), best.get(int(object_id), 9))
    return {
        kind: dict(sorted(best.items(), key=lambda item: (item[1], item[0]))[:limit])
        for kind, best in found.items()
    }


#: Matches computed ahead for the kinds of one global search (see `search_batch`).
_ahead: ContextVar[tuple[tuple, dict[str, dict[int, int]]] | None] = ContextVar(
    "kam_search_ahead", default=None
)


def _scope_key(account_ids: Scope) -> tuple:
    return () if account_ids is None else (account_ids[0], tuple(account_ids[1]))


@contextmanager
def search_batch(user, query: str, *, limit: int) -> Iterator[None]:
    """Within it, `matches` answers every kind of the index from one statement: the scope
    (which for a key account manager is a recursive query) is computed once, not once a kind."""
    scope = visible_account_ids(user)
    kinds = list(sources())
    found = matches_of_kinds(kinds, query, account_ids=scope, limit=limit)
    token = _ahead.set(((query, _scope_key(scope), limit), found))
    try:
        yield
    finally:
        _ahead.reset(token)


def matches(kind: str, query: str, *, account_ids: Scope, limit: int = 20) -> dict[int, int]:
    """{object id: tier} of the best `limit` objects of `kind` matching `query` (every word of
    it as a word prefix, or the whole query as a number), scoped to `account_ids` (None: all).

    Tiers: 0 the exact number, 1 a number starting with it, 2 the name starts with it, 3 a word
    of the name does, 4 a detail (the city). One statement of four index ranges, each stopping
    after `limit` rows (so a prefix shared by 80,000 names costs no more than a rare one); raw
    SQL because the type-ahead asks on every keystroke and compiling the ORM's query would cost
    more than the database's answer.
    """
    ahead = _ahead.get()
    if ahead is not None:
        (query_ahead, scope_ahead, limit_ahead), found = ahead
        if (
            query_ahead == query
            and scope_ahead == _scope_key(account_ids)
            and limit <= limit_ahead
            and kind in found
        ):
            return dict(list(found[kind].items())[:limit])
    return matches_of_kinds([kind], query, account_ids=account_ids, limit=limit)[kind]


def matching_ids(kind: str, query: str) -> QuerySet:
    """The ids of every object of `kind` with a word starting with each word of the query (a
    subquery for a list's search box: "bohm" finds "Böhm" there too)."""
    words = search_words(query)
    if not words:
        return SearchTerm.objects.none().values("object_id")
    ids = SearchTerm.objects.filter(kind=kind, term__gte=words[0], term__lt=prefix_end(words[0]))
    for word in words[1:]:
        ids = ids.filter(
            object_id__in=SearchTerm.objects.filter(
                kind=kind, term__gte=word, term__lt=prefix_end(word)
            ).values("object_id")
        )
    return ids.values("object_id")


def visible_account_ids(user) -> Scope:
    """The scope of a search: None (no filter needed) for who sees every account, else the ids
    of `accounts_visible_to(user)` as SQL (`account_ids_visible_to`, the same scope)."""
    from kam.accounts.selectors import account_ids_visible_to

    return account_ids_visible_to(user)


def scope_of(account_ids: QuerySet) -> Scope:
    """A queryset of account ids (`.values("id")` of `accounts_visible_to(...)`) as a scope."""
    sql, params = account_ids.query.sql_with_params()
    return sql, list(params)


def ranked(
    objects: Iterable, found: dict[int, int], text: Callable[[Any], str] = str
) -> list[tuple[Any, int]]:
    """(object, tier) in the order of the tier, then the German order of the object's text."""
    from kam.search.collation import german_sort_key

    pairs = [(obj, found[obj.pk]) for obj in objects]
    return sorted(pairs, key=lambda pair: (pair[1], german_sort_key(text(pair[0]))))
