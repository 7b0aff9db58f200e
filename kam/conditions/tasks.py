from django.utils import timezone
from django_tasks import task

from kam.conditions import invoiced, offers, services
from kam.core.audit import Source, audit_source


@task()
def conditions_nightly() -> dict:
    """Agreements start and expire by date, offers past validity expire, and the invoiced prices
    are checked against the agreements again."""
    today = timezone.localdate()
    with audit_source(Source.JOB):
        advanced = services.agreements_advance(today=today)
        expired = offers.offers_expire(today=today)
        prices = invoiced.agreed_prices_refresh(today=today)
        deviations = invoiced.price_check_run()
    return {
        "agreements": advanced,
        "offers_expired": expired,
        "agreed_prices": prices,
        "deviations": deviations,
    }
