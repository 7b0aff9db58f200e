import datetime

from kam.core.plugins import Job

JOBS = [
    Job("activities-daily", "kam.activities.tasks.activities_daily", daily_at=datetime.time(6, 0))
]
