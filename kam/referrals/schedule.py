from datetime import time

from kam.core.plugins import Job

JOBS = [Job("potential-facts", "kam.referrals.tasks.refresh_potential_facts", daily_at=time(1, 30))]
