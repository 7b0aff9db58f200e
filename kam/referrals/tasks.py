"""Background jobs of referrals and potential (django-tasks; `kam worker` runs them)."""

from django_tasks import task

from kam.core.audit import Source, audit_source


@task()
def refresh_potential_facts() -> int:
    """Revenue per account, product group and month from the sales lines: after every import
    (kam.referrals.hooks) and nightly (kam.referrals.schedule)."""
    from kam.referrals.potential import refresh_product_group_facts

    with audit_source(Source.JOB):
        return refresh_product_group_facts()
