"""Accounts a sales import created (in bulk, past the services) join the search index."""

from kam.accounts.models import Account
from kam.search.index import index_missing


def on_sales_import_finished(sales_import) -> None:
    index_missing("account", Account.objects.values_list("pk", flat=True))
