"""JSON API of complaints: the list (with the page's filters) and one complaint; visibility as on
the pages (a complaint on another manager's account is not found)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import BooleanField, Case, Value, When
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from kam.complaints import selectors
from kam.complaints.models import Complaint
from kam.core.api_errors import MAX_ID, Pagination, responses
from kam.core.schema import Hours, Money

router = Router(tags=["complaints"])


class ComplaintOut(Schema):
    id: int
    number: str
    account_id: int
    subject: str
    channel: str
    category: str
    severity: str
    status: str
    owner_id: int | None
    received_at: datetime
    acknowledge_due: datetime
    resolve_due: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    affected_value: Money | None
    root_cause: str | None
    handling_hours: Hours | None = Field(
        description="Hours booked on handling it (DB IV prices them at the customer-service"
        " rate); null: not booked, the handling cost by severity applies."
    )

    @staticmethod
    def resolve_category(complaint: Complaint) -> str:
        return complaint.category.name

    @staticmethod
    def resolve_root_cause(complaint: Complaint) -> str | None:
        return complaint.root_cause.name if complaint.root_cause else None

    @staticmethod
    def resolve_overdue(complaint: Complaint) -> bool:
        return complaint.is_overdue  # type: ignore[attr-defined]

    @staticmethod
    def resolve_affected_value(complaint: Complaint) -> Decimal | None:
        return complaint.affected_value


def _with_overdue(complaints):
    flag = Case(
        When(selectors.overdue_q(timezone.now()), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return complaints.select_related("root_cause").annotate(is_overdue=flag)


@router.get("/", response=responses(list[ComplaintOut]))
@paginate(Pagination)
def list_complaints(
    request,
    q: str = "",
    status: str = "",
    severity: str = "",
    account: int | None = Query(None, ge=1, le=MAX_ID),
    overdue: bool = False,
):
    """Newest first; `status=open` for every open status, `overdue=true` for breached SLAs."""
    filters = selectors.ComplaintFilter(
        q=q.strip()[:100],
        status=status,
        severity=severity,
        account=str(account or ""),
        overdue=overdue,
    )
    return _with_overdue(selectors.complaint_list(user=request.user, filters=filters))


@router.get("/{complaint_id}", response=responses(ComplaintOut, 404))
def get_complaint(request, complaint_id: int = Path(..., ge=1, le=MAX_ID)):
    complaint = selectors.complaint_get(user=request.user, pk=complaint_id)
    return _with_overdue(Complaint.objects.filter(pk=complaint.pk)).get()
