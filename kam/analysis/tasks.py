"""Background jobs of the analysis (django-tasks; `kam worker` runs them).

- `run_analysis`: one stored run, after which the runs nobody needs any more are deleted
  (`runs_prune`). Enqueued after every sales import (kam.analysis.hooks), nightly
  (kam.analysis.schedule) and by "start analysis now" on the settings page.

The analysis itself (numpy, scipy) is imported when a run starts, not with this module: the
importer and the web processes only enqueue.
"""

from __future__ import annotations

import logging
from datetime import date

from django.utils import timezone
from django_tasks import task

from kam.analysis.models import RunTrigger
from kam.core.audit import Source, audit_source
from kam.users.models import User

logger = logging.getLogger(__name__)


@task()
def run_analysis(
    as_of: str | None = None, trigger: str = RunTrigger.IMPORT, user_id: int | None = None
) -> int | None:
    """Run and store one analysis (as_of ISO date, default today); the run's id, or None."""
    from kam.analysis.engine import NoFactsError
    from kam.analysis.services import analysis_run, runs_prune

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    user = User.objects.filter(pk=user_id).first() if user_id else None
    with audit_source(Source.JOB):
        try:
            run, _outcome = analysis_run(as_of=day, trigger=trigger, user=user)
        except NoFactsError:
            logger.info("No sales before %s: nothing to analyse.", day)
            return None
    logger.info("Analysis run %s for %s stored (%s accounts).", run.pk, day, run.account_count)
    runs_prune()
    return run.pk
