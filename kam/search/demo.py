"""The demo company's names in the search index (the demo writes many rows in bulk)."""

from django.db import transaction

from kam.search.index import index_rebuild


def populate(rng, company) -> None:
    # After the demo's transaction: by then every app (also those after this one) has added
    # its objects.
    transaction.on_commit(index_rebuild)
