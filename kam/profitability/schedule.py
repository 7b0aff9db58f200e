import datetime

from kam.core.plugins import Job

#: After the nightly analysis (02:00): the statements of the whole window, so that a month
#: turning over and anything a hook missed are caught up.
JOBS = [
    Job(
        "profitability-nightly",
        "kam.profitability.tasks.refresh_statements",
        daily_at=datetime.time(3, 0),
    ),
]
