"""The campaigns' input to the key-account score (the contract is in kam.core.plugins): how
often the account's contact persons came to our events in the 12 months up to `as_of`, a sign
of relationship strength; more is better. It counts only where leadership gives it a weight
(AnalysisSettings.weight_event_attendance, 0 by default)."""

from datetime import date, timedelta

from kam.campaigns.selectors import attendance_by_account


def account_criteria(*, as_of: date) -> dict[str, dict[int, float]]:
    counts = attendance_by_account(since=as_of - timedelta(days=365), until=as_of)
    return {"event_attendance": {account_id: float(n) for account_id, n in counts.items()}}
