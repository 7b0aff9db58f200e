"""German order for names in lists: "Böhm" before "Brandt", "Ärzte" with the a's.

`german(field)` is the one helper the lists use: an expression to pass to `order_by`.
PostgreSQL sorts with its ICU German collation; SQLite with the collation registered here on
every connection (it sorts by the search key, DIN 5007 variant 1: ä = a, then the name itself).
"""

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate

from kam.search.normalise import search_key

SQLITE_COLLATION = "kam_german"
POSTGRES_COLLATION = "de-x-icu"


def german_sort_key(name: str) -> tuple[str, str]:
    """The order of a name in Python: for lists sorted after the query."""
    return (search_key(name), name or "")


def _compare(left: str, right: str) -> int:
    a, b = german_sort_key(left), german_sort_key(right)
    return (a > b) - (a < b)


def _on_connection(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)


def register() -> None:
    connection_created.connect(_on_connection, dispatch_uid="kam.search.collation")
    # The connection may already be open (the shell, tests): give it the collation too.
    if connection.vendor == "sqlite" and connection.connection is not None:
        _on_connection(None, connection)


def german(field: str, *, descending: bool = False) -> OrderBy:
    """`order_by(german("name"))`: the field in German order (`descending` for Z to A)."""
    name = SQLITE_COLLATION if connection.vendor == "sqlite" else POSTGRES_COLLATION
    expression = Collate(F(field), name)
    return expression.desc() if descending else expression.asc()
