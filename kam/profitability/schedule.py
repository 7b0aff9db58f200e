import datetime

from kam.core.plugins import Job

#: After the nightly analysis (02:00): the repair of the whole window (driver facts rebuilt from
#: the apps' records, then the statements), so that a month turning over and anything a hook
#: missed (a user's role changed, a worker that died before the hook ran) are caught up.
JOBS = [
    Job(
        "profitability-nightly",
        "kam.profitability.tasks.refresh_statements",
        daily_at=datetime.time(3, 0),
        kwargs={"rebuild_drivers": True},
    ),
]
