"""Background jobs of the profitability statements (django-tasks; `kam worker` runs them)."""

from __future__ import annotations

import logging
from datetime import date

from django_tasks import task

from kam.core.audit import Source, audit_source

logger = logging.getLogger(__name__)


@task()
def refresh_statements(
    first_month: str | None = None, last_month: str | None = None, rebuild_drivers: bool = False
) -> int:
    """Recomputes the statements of the months (ISO dates), by default of the whole window, from
    the kept driver facts; `rebuild_drivers` first rebuilds those from the apps' records (the
    nightly repair)."""
    from kam.profitability import services

    with audit_source(Source.JOB):
        if first_month and last_month:
            stored = services.statements_refresh(
                first_month=date.fromisoformat(first_month),
                last_month=date.fromisoformat(last_month),
                rebuild_drivers=rebuild_drivers,
            )
        else:
            stored = services.statements_refresh_all(rebuild_drivers=rebuild_drivers)
    logger.info("Profitability statements refreshed: %s", stored)
    return stored.rows
