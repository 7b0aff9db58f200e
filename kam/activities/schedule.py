import datetime

from kam.core.scheduler import Job

JOBS = [
    Job("activities-daily", "kam.activities.tasks.activities_daily", daily_at=datetime.time(6, 0))
]
