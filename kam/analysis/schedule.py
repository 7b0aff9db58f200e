import datetime

from kam.core.plugins import Job

JOBS = [
    Job(
        "analysis-nightly",
        "kam.analysis.tasks.run_analysis",
        daily_at=datetime.time(2, 0),
        kwargs={"trigger": "nightly"},
    ),
]
