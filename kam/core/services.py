from kam.core.audit import current_source
from kam.core.models import BulkEvent


def bulk_event_record(
    *, action: str, summary: str, row_count: int, user=None, account_ids=(), source=None
) -> BulkEvent:
    return BulkEvent.objects.create(
        action=action,
        summary=summary,
        row_count=row_count,
        user=user,
        account_ids=sorted(set(account_ids))[:10_000],
        source=source or current_source(),
    )
