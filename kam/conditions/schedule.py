import datetime

from kam.core.plugins import Job

JOBS = [
    Job(
        "conditions-nightly",
        "kam.conditions.tasks.conditions_nightly",
        daily_at=datetime.time(2, 30),
    )
]
