"""The complaints' input to the key-account score (the contract is in kam.core.plugins)."""

from datetime import date, timedelta

from kam.complaints.selectors import complaint_counts_by_account


def account_criteria(*, as_of: date) -> dict[str, dict[int, float]]:
    """Complaints received in the 12 months up to `as_of`; fewer is better in the score."""
    counts = complaint_counts_by_account(since=as_of - timedelta(days=365), until=as_of)
    return {"complaints": {account_id: float(n) for account_id, n in counts.items()}}
