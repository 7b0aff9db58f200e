"""The demo company's names in the search index (the demo writes many rows in bulk)."""

from kam.search.index import index_rebuild


def populate(rng, company) -> None:
    index_rebuild()
