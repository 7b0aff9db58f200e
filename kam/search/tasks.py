"""Background jobs of the search index (django-tasks; `kam worker` runs them)."""

from django_tasks import task

from kam.core.audit import Source, audit_source


@task()
def index_new_accounts() -> int:
    """Adds the accounts that a sales import created in bulk (past the services) to the index;
    returns how many. Queued by kam.search.hooks."""
    from kam.accounts.models import Account
    from kam.search.index import index_missing

    with audit_source(Source.JOB):
        return index_missing("account", Account.objects.values_list("pk", flat=True))
