"""Reads for the pickers that are not in the index: colleagues (a company has hundreds)."""

from kam.search.collation import german_sort_key
from kam.search.index import MIN_QUERY
from kam.search.normalise import search_key, search_words
from kam.users.models import User


def users_matching(query: str, *, limit: int = 15, users=None) -> list[User]:
    """Active users (of the given user list, e.g. kam.core.permissions.USER_LISTS, if given)
    whose name or login has a word starting with each word of the query."""
    words = search_words(query)
    if len("".join(words)) < MIN_QUERY:
        return []
    found = []
    users = User.objects.filter(is_active=True) if users is None else users
    for user in users.only("first_name", "last_name", "username", "role"):
        own = search_key(f"{user.first_name} {user.last_name} {user.username}").split()
        if all(any(word_of.startswith(word) for word_of in own) for word in words):
            found.append(user)
    return sorted(found, key=lambda u: german_sort_key(f"{u.last_name} {u.first_name}"))[:limit]
